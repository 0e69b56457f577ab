# Sourced by every fprnn script: points JAVA_HOME at a Java 25 JDK (the default java here is 17).
# Honors an existing JAVA_HOME if it is Java 25 or newer.
fprnn_java_ok() {
  [ -x "$1/bin/java" ] || return 1
  local v
  v=$("$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
  [ -n "$v" ] && [ "${v%%.*}" -ge 25 ] 2>/dev/null
}
if [ -n "${JAVA_HOME:-}" ] && fprnn_java_ok "$JAVA_HOME"; then
  :
else
  JAVA_HOME=""
  for d in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25-jdk-arm64 /usr/lib/jvm/temurin-25* \
           /usr/lib/jvm/java-25* /usr/lib/jvm/jdk-25* /opt/java/openjdk; do
    if fprnn_java_ok "$d"; then JAVA_HOME="$d"; break; fi
  done
  if [ -z "$JAVA_HOME" ]; then
    echo "fprnn needs a Java 25 JDK and found none (looked at \$JAVA_HOME and /usr/lib/jvm)." >&2
    echo "Install Temurin 25 (https://adoptium.net) and set JAVA_HOME to it." >&2
    exit 2
  fi
fi
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"
