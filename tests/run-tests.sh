#!/usr/bin/env bash
# The test command of lorapar: finds a JDK 25+, checks the build tools, then runs `mvn -B verify`
# from the repository root (Maven builds the native library through CMake, then runs every suite:
# the CPU suites always, the GPU suites when a CUDA device is present, skipped with a reason otherwise).
#
#   bash tests/run-tests.sh [extra Maven arguments]   e.g. -pl tests -am, -Dtest=GemmTest
#   bash tests/run-tests.sh --which-java              print the JAVA_HOME it would use, and stop
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly repo_root
# shellcheck source=../cmake/toolchain.sh
source "$repo_root/cmake/toolchain.sh"
use_toolchain run-tests.sh

if [[ ${1:-} == --which-java ]]; then
    echo "$JAVA_HOME"
    exit 0
fi

check_build_tools

maven_args=(-B)
if [[ ! -t 1 ]]; then
    maven_args+=(-Dstyle.color=never)
fi

echo "run-tests.sh: JAVA_HOME=$JAVA_HOME ($("$JAVA_HOME/bin/java" -version 2>&1 | head -n1)), cmake $cmake_version, $(mvn -v 2>/dev/null | head -n1 | sed 's/\x1b\[[0-9;]*m//g')"
cd "$repo_root"
exec mvn "${maven_args[@]}" verify "$@"
