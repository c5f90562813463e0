# Shared by tests/run-tests.sh and ./lorapar (sourced, not run). find_jdk prints the JAVA_HOME of a JDK 25+;
# use_toolchain NAME exports JAVA_HOME and PATH for it (NAME prefixes error messages); check_build_tools dies
# naming what to install when cmake >= 3.24, gcc or mvn is missing (and sets cmake_version).
readonly min_java=25
# Where installed JDKs are looked for (overridable for tests of this script).
readonly jvm_dir=${LORAPAR_JVM_DIR:-/usr/lib/jvm}
toolchain_user=lorapar

die() {
    echo "$toolchain_user: $*" >&2
    exit 1
}

# The major version of the java in JDK home $1 ("25" for 25.0.1, "8" for 1.8.0_402), or nothing.
java_major() {
    local home=$1 line version
    [[ -x "$home/bin/java" ]] || return 0
    line=$("$home/bin/java" -version 2>&1 | grep -m1 -E 'version "[^"]+"') || return 0
    version=${line#*version \"}
    version=${version%%\"*}
    if [[ $version == 1.* ]]; then
        version=${version#1.}
    fi
    version=${version%%[.+-]*}
    [[ $version =~ ^[0-9]+$ ]] && echo "$version"
    return 0
}

# True when $1 is a full JDK (java and javac) of version >= min_java.
is_usable_jdk() {
    local home=$1 major
    [[ -x "$home/bin/javac" ]] || return 1
    major=$(java_major "$home")
    [[ -n $major ]] && ((major >= min_java))
}

# Prints the JAVA_HOME to use: $JAVA_HOME if it is a JDK >= 25, else the newest
# $jvm_dir/temurin-25*, else the newest $jvm_dir/* that is a JDK >= 25 ($jvm_dir: /usr/lib/jvm).
find_jdk() {
    if [[ -n ${JAVA_HOME:-} ]]; then
        if is_usable_jdk "$JAVA_HOME"; then
            echo "$JAVA_HOME"
            return 0
        fi
        local found why
        found=$(java_major "$JAVA_HOME")
        if [[ -z $found ]]; then
            why="no working bin/java there"
        elif ((found < min_java)); then
            why="it holds Java $found"
        else
            why="it holds Java $found but no bin/javac (a JRE, not a JDK)"
        fi
        echo "$toolchain_user: ignoring JAVA_HOME=$JAVA_HOME: $why; lorapar needs a JDK $min_java or newer; looking in $jvm_dir" >&2
    fi
    local candidate best="" best_major=0 major
    while IFS= read -r candidate; do
        [[ -n $candidate ]] || continue
        candidate=${candidate%/}
        if is_usable_jdk "$candidate"; then
            best=$candidate
        fi
    done < <(compgen -G "$jvm_dir/temurin-25*/" | sort -V)
    if [[ -n $best ]]; then
        echo "$best"
        return 0
    fi
    while IFS= read -r candidate; do
        [[ -n $candidate ]] || continue
        candidate=${candidate%/}
        [[ -L $candidate ]] && continue
        is_usable_jdk "$candidate" || continue
        major=$(java_major "$candidate")
        if ((major > best_major)); then
            best=$candidate
            best_major=$major
        fi
    done < <(compgen -G "$jvm_dir/*/" | sort -V)
    [[ -n $best ]] && echo "$best"
    return 0
}

# use_toolchain NAME: JAVA_HOME and PATH for a JDK >= 25; then cmake >= 3.24, gcc and mvn, or die naming what is missing.
use_toolchain() {
    toolchain_user=$1
    local jdk
    jdk=$(find_jdk)
    [[ -n $jdk ]] || die "lorapar needs JDK $min_java: install Temurin $min_java and set JAVA_HOME (none found in \$JAVA_HOME or $jvm_dir)"
    export JAVA_HOME=$jdk
    export PATH="$JAVA_HOME/bin:$PATH"
}

check_build_tools() {
    command -v cmake >/dev/null 2>&1 || die "cmake not found: lorapar needs CMake >= 3.24 (apt-get install cmake)"
    cmake_version=$(cmake --version | head -n1 | grep -oE '[0-9]+\.[0-9]+(\.[0-9]+)?' | head -n1)
    if [[ -z $cmake_version ]] || [[ $(printf '%s\n' 3.24 "$cmake_version" | sort -V | head -n1) != 3.24 ]]; then
        die "cmake $cmake_version is too old: lorapar needs CMake >= 3.24"
    fi
    command -v gcc >/dev/null 2>&1 || die "gcc not found: lorapar's native library needs a C11 compiler with OpenMP (apt-get install gcc)"
    command -v mvn >/dev/null 2>&1 || die "mvn not found: lorapar needs Maven >= 3.8 (apt-get install maven)"
}
