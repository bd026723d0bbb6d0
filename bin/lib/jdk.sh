# Finds a JDK >= 21 and exports JAVA_HOME. Sourced by bin/gatehouse and bin/test.
# Order: $JAVA_HOME if new enough, then the usual install locations, newest first.

java_major() {
  "$1/bin/java" -version 2>&1 | awk -F'"' '/version/ && !found { split($2, v, "."); print (v[1] == "1" ? v[2] : v[1]); found = 1 }'
}

find_jdk() {
  local candidate major
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/javac" ]]; then
    major="$(java_major "$JAVA_HOME")"
    if [[ "${major:-0}" -ge 21 ]]; then
      return 0
    fi
  fi
  for candidate in $(ls -d /usr/lib/jvm/*/ /opt/java/*/ /usr/local/opt/openjdk*/ \
                       /Library/Java/JavaVirtualMachines/*/Contents/Home/ 2>/dev/null | sort -rV); do
    candidate="${candidate%/}"
    [[ -x "$candidate/bin/javac" ]] || continue
    major="$(java_major "$candidate")"
    if [[ "${major:-0}" -ge 21 ]]; then
      export JAVA_HOME="$candidate"
      return 0
    fi
  done
  echo "gatehouse: no JDK 21 or newer found; install one or set JAVA_HOME" >&2
  return 1
}
