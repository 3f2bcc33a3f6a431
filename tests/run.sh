#!/usr/bin/env bash
# The test command: installs what the tests need (a Python venv with an
# S3-compatible server, the HBase clients the compatibility tests drive,
# the MongoDB stand-in's packages and Eve 2.3.1, the peer the resources
# are checked against),
# then checks that no crate depends on a crate of a higher layer
# (tests/layers/check.py) and that the code is formatted (rustfmt.toml),
# and runs every test of the workspace: unit tests,
# the integration binary (tests/it), the HiveQL conformance files
# (sql/tests/*.slt), and each Criterion micro-benchmark run once as a test.
# Clippy runs in .ci/run: it builds every dependency again in check mode,
# which a newcomer's first test run should not pay for.
set -euo pipefail
cd "$(dirname "$0")/.."

venv="${ENMA_TEST_VENV:-$HOME/.cache/enma-test-venv}"
packages=('moto[server]==5.*' 'happybase==1.2.*' 'hbase-rest-py==1.0.0' 'setuptools<81'
    'eve==2.3.1' 'nx-27017==0.8.1' 'neosqlite==1.17.2' 'pymongo==4.*' 'requests' 'openapi-spec-validator==0.9.*')
if ! "$venv/bin/python" -c "import moto, happybase, hbase.rest_client, eve, nx_27017, pymongo, openapi_spec_validator" 2>/dev/null; then
    echo "== installing the test servers and clients into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "${packages[@]}"
fi
export ENMA_MOTO_SERVER="$venv/bin/moto_server"
export ENMA_TEST_PYTHON="$venv/bin/python"
# The MongoDB stand-in (nx-27017 with fixes) that MongoDB-backed tests start;
# set MONGODB_URI to run them against a real MongoDB instead.
export ENMA_MONGO_STANDIN="$(cd .. && pwd)/shared/tools/mongodb/mongo_standin.py"

echo "== layers"
python3 tests/layers/check.py

echo "== format"
cargo fmt --version >/dev/null 2>&1 || rustup component add rustfmt
cargo fmt --all --check

echo "== cargo test"
cargo test --workspace --all-targets --no-fail-fast "$@" 2>&1 | tee "${TMPDIR:-/tmp}/enma-test.log"
status=${PIPESTATUS[0]}
echo "== summary"
grep -E "^test result:|^slt |^hive total" "${TMPDIR:-/tmp}/enma-test.log" || true
exit "$status"
