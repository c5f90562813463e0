#!/usr/bin/env bash
# Runs HERE (a machine with JDK 25 and Maven): builds what the GPU check needs on a GPU machine that
# has the CUDA toolkit but no JDK and no Maven, into .gpu-bundle/ at the repository root (git-ignored):
#   jre.tgz                                 a jlink'ed Java 25 runtime (unpacked to /tmp there)
#   core.jar                                lorapar-core (its bundled CPU-only liblorapar.so is not used there)
#   lib/*.jar                               lorapar-core's runtime dependencies (Jackson)
#   tests.jar                               the lorapar-tests test classes (JUnit 5)
#   junit-platform-console-standalone.jar   the JUnit console launcher
#   benchmarks.jar                          JMH benchmarks and GpuBench
#   shared-data/                            the small real checkpoints of ../shared/data (stories260K, aidreams260K), gsm8k
#                                           and llama2-tokenizer (EvalBench)
#                                           with its README.md, when ../shared is there; the GPU check points
#                                           the tests at it (LORAPAR_SHARED_DATA)
#   BUNDLE.txt                              what was bundled, from which commit, with which JDK
# Then, on the GPU machine, with the repository and .gpu-bundle/: bash tests/gpu/gpu-check.sh
#
# usage: bash tests/gpu/prepare-bundle.sh [extra Maven arguments for the build, e.g. -o]
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
readonly repo_root
readonly bundle="$repo_root/.gpu-bundle"
readonly max_bundle_bytes=$((60 * 1024 * 1024))
readonly junit_console="org.junit.platform:junit-platform-console-standalone:1.11.4"
# jdk.zipfs: the JUnit launcher scans the test jar through the zip file system (without it: no test found).
readonly jre_modules="java.base,java.logging,java.management,jdk.management,jdk.unsupported,java.xml,jdk.zipfs,java.net.http,jdk.httpserver"

die() {
    echo "prepare-bundle.sh: $*" >&2
    exit 1
}

# The single file matching the glob $1 (excluding extra classifiers); dies on none or several.
single_file() {
    local pattern=$1 matches=()
    local file
    for file in $pattern; do
        [[ -f $file ]] || continue
        case $file in *-sources.jar | *-javadoc.jar | original-*) continue ;; esac
        matches+=("$file")
    done
    ((${#matches[@]} == 1)) || die "expected exactly one file matching $pattern, found ${#matches[@]}: ${matches[*]:-none}"
    echo "${matches[0]}"
}

JAVA_HOME=$(bash "$repo_root/tests/run-tests.sh" --which-java) || exit 1
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"
command -v mvn >/dev/null 2>&1 || die "mvn not found: the bundle is built with Maven >= 3.8 (apt-get install maven)"
[[ -x $JAVA_HOME/bin/jlink ]] || die "$JAVA_HOME/bin/jlink not found: a full JDK 25 is needed"

cd "$repo_root"
echo "prepare-bundle.sh: building with $JAVA_HOME (mvn -B -q package -DskipTests)"
mvn -B -q -Dstyle.color=never package -DskipTests "$@"

core_jar=$(single_file "java/target/lorapar-core-*.jar")
tests_jar=$(single_file "tests/target/lorapar-tests-*-tests.jar")
benchmarks_jar=$(single_file "benchmarks/target/benchmarks.jar")

staging=$(mktemp -d /tmp/lorapar-bundle.XXXXXX)
trap 'rm -rf "$staging"' EXIT

rm -rf "$bundle"
mkdir -p "$bundle"

echo "prepare-bundle.sh: jlink $jre_modules"
"$JAVA_HOME/bin/jlink" --add-modules "$jre_modules" --strip-debug --no-man-pages --no-header-files \
    --compress zip-6 --output "$staging/jre"
"$staging/jre/bin/java" -version >/dev/null 2>&1 || die "the jlink'ed runtime does not start"
tar -C "$staging" -czf "$bundle/jre.tgz" jre

cp "$core_jar" "$bundle/core.jar"

echo "prepare-bundle.sh: copying lorapar-core's runtime dependencies into lib/"
mvn -B -q -Dstyle.color=never "$@" -pl java dependency:copy-dependencies -DincludeScope=runtime \
    -DoutputDirectory="$bundle/lib"
compgen -G "$bundle/lib/jackson-databind-*.jar" >/dev/null ||
    die "dependency:copy-dependencies did not produce lib/jackson-databind-*.jar"
cp "$tests_jar" "$bundle/tests.jar"
cp "$benchmarks_jar" "$bundle/benchmarks.jar"

shared_data="$repo_root/../shared/data"
if [[ -f $shared_data/README.md ]]; then
    echo "prepare-bundle.sh: copying the small reference checkpoints of $shared_data into shared-data/"
    rm -rf "$bundle/shared-data"
    mkdir -p "$bundle/shared-data"
    cp "$shared_data/README.md" "$bundle/shared-data/"
    for folder in llama2c-stories260K llama2c-aidreams260K gsm8k llama2-tokenizer; do
        [[ -d $shared_data/$folder ]] && cp -r "$shared_data/$folder" "$bundle/shared-data/"
    done
else
    echo "prepare-bundle.sh: no ../shared/data here: the GPU check's reference-checkpoint tests will skip"
fi

echo "prepare-bundle.sh: fetching $junit_console"
mvn -B -q -Dstyle.color=never "$@" -N dependency:copy -Dartifact="$junit_console" \
    -DoutputDirectory="$bundle" -Dmdep.stripVersion=true
[[ -f $bundle/junit-platform-console-standalone.jar ]] || die "dependency:copy did not produce junit-platform-console-standalone.jar"

{
    echo "lorapar GPU bundle"
    echo "built:   $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "commit:  $(git -C "$repo_root" rev-parse HEAD 2>/dev/null || echo unknown)$(git -C "$repo_root" diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)')"
    echo "jdk:     $("$JAVA_HOME/bin/java" -version 2>&1 | head -n1)"
    echo "modules: $jre_modules"
    echo "from:    $core_jar $tests_jar $benchmarks_jar"
    echo "files:"
    (cd "$bundle" && for file in jre.tgz core.jar lib/*.jar tests.jar junit-platform-console-standalone.jar benchmarks.jar; do
        printf '  %-40s %10d bytes  sha256 %s\n' "$file" "$(stat -c %s "$file")" "$(sha256sum "$file" | cut -d' ' -f1)"
    done)
} >"$bundle/BUNDLE.txt"

bundle_bytes=$(du -sb "$bundle" | cut -f1)
cat "$bundle/BUNDLE.txt"
awk -v dir="$bundle" -v bytes="$bundle_bytes" -v limit="$max_bundle_bytes" \
    'BEGIN { printf "prepare-bundle.sh: %s is %.1f MiB (limit %d MiB)\n", dir, bytes / 1048576, limit / 1048576 }'
((bundle_bytes < max_bundle_bytes)) || die "the bundle is $bundle_bytes bytes, over the $max_bundle_bytes limit"
echo "prepare-bundle.sh: done. On the GPU machine (repository + .gpu-bundle/): bash tests/gpu/gpu-check.sh"
