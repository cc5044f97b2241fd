#!/usr/bin/env bash
# Checks sluice the way a user gets it from npm, with no file of this repository on the way:
#
#   bash test/package/check.sh            # Node 22 and Node 24
#   SLUICE_PACKAGE_NODES=24 bash test/package/check.sh
#
# 1. `npm run build`, then `npm pack`: the tarball (its size is printed).
# 2. For each Node major (from the npm registry's `node` package, `npx -y -p node@N`), in a fresh temporary project:
#    - install the tarball (no tsx, no TypeScript at run time);
#    - `import` every entry point (sluice, sluice/testing, sluice/registry) from plain Node;
#    - type-check a topology against the package's .d.ts with `tsc` (typescript from npm);
#    - `npx sluice describe` that topology (a .ts module loaded by Node's own type stripping);
#    - a topology with an enum must fail with the explanation of what type stripping cannot run;
#    - the dashboard's files sit where the compiled HTTP server looks for them;
#    - `npx sluice init app --sluice <tarball>`, then `npm install`, `npm test` and `npm run typecheck` there;
#    - with Java and Maven: `npm run dev` there until a windowed result prints, then Ctrl-C (test/package/dev-smoke.mjs).
# Any failure stops the script with a line saying what failed (and the command's output above it).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
nodes="${SLUICE_PACKAGE_NODES:-22 24}"
work="$(mktemp -d "${TMPDIR:-/tmp}/sluice-package.XXXXXX")"
keep="${SLUICE_PACKAGE_KEEP:-0}"
cleanup() { if [[ "$keep" == 1 ]]; then echo "check.sh: kept $work"; else rm -rf "$work"; fi; }
trap cleanup EXIT

# `npm run dev` in the scaffolded project needs Java and Maven (the package's kafka.sh); it reuses the
# repository's broker jars when they are there. SLUICE_PACKAGE_DEV=0 skips it, =1 requires it.
dev="${SLUICE_PACKAGE_DEV:-auto}"
if [[ "$dev" == auto ]]; then
  if command -v java >/dev/null 2>&1 && command -v mvn >/dev/null 2>&1; then dev=1; else dev=0; echo "check.sh: no java/mvn: npm run dev in the scaffolded project is skipped"; fi
fi
if [[ -z "${SLUICE_KAFKA_CACHE:-}" && -d "$root/.cache/kafka/lib" ]]; then export SLUICE_KAFKA_CACHE="$root/.cache/kafka"; fi

fail() { echo "test/package/check.sh: FAILED: $*" >&2; exit 1; }
step() { echo "--- $*"; }
quiet_npm() { npm --no-audit --no-fund --loglevel=error "$@"; }

cd "$root"
step "npm run build"
npm run build >"$work/build.log" 2>&1 || { cat "$work/build.log"; fail "npm run build"; }
step "npm pack"
tarball_name=$(npm pack --ignore-scripts --pack-destination "$work" --json 2>/dev/null | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const [p]=JSON.parse(s);console.log(p.filename+" "+p.size+" "+p.unpackedSize+" "+p.entryCount)})')
read -r file size unpacked entries <<<"$tarball_name"
tarball="$work/$file"
[[ -f "$tarball" ]] || fail "npm pack wrote no tarball"
echo "tarball $file: $size bytes packed, $unpacked bytes unpacked, $entries files"
tar -tzf "$tarball" >"$work/contents.txt"
grep -q '^package/src/' "$work/contents.txt" && fail "the tarball ships src/ (files in package.json)"
for required in package/dist/index.js package/dist/index.d.ts package/dist/testing/index.js package/dist/server/public/index.html \
  package/bin/sluice.js package/docker/local-kafka/kafka.sh package/docker/local-kafka/pom.xml package/docker/lib/process.sh \
  package/templates/init/src/page-views.ts; do
  grep -qx "$required" "$work/contents.txt" || fail "the tarball lacks $required"
done

typescript_version=$(node -p 'require("./package.json").devDependencies.typescript')
types_node_version=$(node -p 'require("./package.json").devDependencies["@types/node"]')

check_with_node() {
  local major=$1 bin project
  bin=$(npx -y -p "node@$major" -c 'dirname "$(command -v node)"' | tail -1) || fail "could not get Node $major from the npm registry (npx -y -p node@$major)"
  # Only node comes from that package: npm keeps running from the system, under this node.
  local PATH="$bin:$PATH"
  step "Node $(node --version) ($bin)"
  [[ "$(node -p 'process.versions.node.split(".")[0]')" == "$major" ]] || fail "node on PATH is not Node $major"

  project="$work/node$major/consumer"
  mkdir -p "$project"
  cd "$project"
  cat >package.json <<'EOF'
{ "name": "consumer", "version": "1.0.0", "private": true, "type": "module" }
EOF
  quiet_npm install "$tarball" "typescript@$typescript_version" "@types/node@$types_node_version" >"$work/install-$major.log" 2>&1 \
    || { cat "$work/install-$major.log"; fail "Node $major: npm install of the tarball"; }
  [[ -e node_modules/tsx ]] && fail "Node $major: installing sluice pulled in tsx (it must not be a runtime dependency)"

  step "Node $major: import every entry point from plain Node"
  cat >imports.mjs <<'EOF'
import { defineTopology, serdes, tumbling } from 'sluice';
import { TopologyTestDriver } from 'sluice/testing';
import { avro, schemaRegistry } from 'sluice/registry';
for (const [name, value] of Object.entries({ defineTopology, serdes, tumbling, TopologyTestDriver, avro, schemaRegistry })) {
  if (value === undefined) throw new Error(`${name} is not exported`);
}
const topology = defineTopology({ applicationId: 'imports' }, (t) => {
  t.stream('in', { key: serdes.string(), value: serdes.string() }).to('out', { key: serdes.string(), value: serdes.string() });
});
const driver = new TopologyTestDriver(topology);
driver.input('in').pipe('k', 'v');
const out = driver.readOutput('out');
if (out.length !== 1 || out[0].value !== 'v') throw new Error(`unexpected output ${JSON.stringify(out)}`);
console.log('imports ok');
EOF
  node imports.mjs || fail "Node $major: importing sluice from plain Node"

  step "Node $major: the dashboard's files are where the compiled server looks"
  node --input-type=module -e "
    const { PUBLIC_DIR } = await import('./node_modules/sluice/dist/server/app.js');
    const { existsSync } = await import('node:fs');
    if (!existsSync(PUBLIC_DIR + '/index.html') || !existsSync(PUBLIC_DIR + '/js/main.js') || !existsSync(PUBLIC_DIR + '/dashboard.css')) throw new Error('no dashboard files in ' + PUBLIC_DIR);
    console.log('dashboard files in', PUBLIC_DIR);" || fail "Node $major: dashboard files"

  step "Node $major: tsc type-checks a topology against the package's declarations"
  mkdir -p topologies
  cat >tsconfig.json <<'EOF'
{
  "compilerOptions": {
    "target": "ES2023", "lib": ["ES2023"], "module": "NodeNext", "moduleResolution": "NodeNext",
    "strict": true, "noUncheckedIndexedAccess": true, "exactOptionalPropertyTypes": true,
    "verbatimModuleSyntax": true, "erasableSyntaxOnly": true, "allowImportingTsExtensions": true,
    "types": ["node"], "noEmit": true
  },
  "include": ["topologies"]
}
EOF
  cat >topologies/orders.ts <<'EOF'
import { defineTopology, serdes, tumbling, type Windowed, type WindowResult } from 'sluice';
import { TopologyTestDriver } from 'sluice/testing';

interface Order {
  readonly customer: string;
  readonly cents: number;
  readonly ts: number;
}

const topology = defineTopology({ applicationId: 'orders-per-minute' }, (t) => {
  t.stream('orders', { key: serdes.nullableString(), value: serdes.json<Order>(), timestamp: (o) => o.ts })
    .groupBy((_, o) => o.customer, { name: 'by-customer', key: serdes.string(), value: serdes.json<Order>() })
    .windowedBy(tumbling('1m').grace('10s'))
    .count({ name: 'orders' })
    .to('orders-per-minute', { key: serdes.windowed<string>(), value: serdes.json<WindowResult<number>>() });
});
export default topology;

// Types flow from the serdes: a wrong value type must not compile.
export function check(driver: TopologyTestDriver): number {
  const out = driver.readOutput<Windowed<string>, WindowResult<number>>('orders-per-minute');
  // @ts-expect-error cents is a number
  driver.input<string | null, Order>('orders').pipe(null, { customer: 'c', cents: 'ten', ts: 0 });
  return out.reduce((sum, r) => sum + r.value.value, 0);
}
EOF
  npx tsc -p tsconfig.json || fail "Node $major: tsc on a topology using sluice's types"
  # The declarations themselves must also pass a strict check (no skipLibCheck) of sluice's own files.
  npx tsc -p tsconfig.json --noEmit --skipLibCheck false 2>&1 | grep 'node_modules/sluice/' && fail "Node $major: errors in sluice's .d.ts files"

  step "Node $major: npx sluice describe (the .ts topology through Node's type stripping)"
  npx sluice describe topologies/orders.ts >describe.txt 2>&1 || { cat describe.txt; fail "Node $major: npx sluice describe"; }
  cat describe.txt
  grep -q '^application orders-per-minute' describe.txt || fail "Node $major: describe printed no application line"
  grep -q 'orders-per-minute-by-customer-repartition' describe.txt || fail "Node $major: describe printed no repartition topic"

  step "Node $major: a topology that type stripping cannot run fails with what to do"
  cat >topologies/enum.ts <<'EOF'
import { defineTopology, serdes } from 'sluice';
enum Kind { A, B }
export default defineTopology({ applicationId: `enum-${Kind.A}` }, (t) => {
  t.stream('in', { key: serdes.string(), value: serdes.string() }).to('out', { key: serdes.string(), value: serdes.string() });
});
EOF
  if npx sluice describe topologies/enum.ts >enum.txt 2>&1; then cat enum.txt; fail "Node $major: describe of an enum topology succeeded"; fi
  cat enum.txt
  grep -q "type stripping cannot run this TypeScript" enum.txt || fail "Node $major: no explanation for the enum topology"

  step "Node $major: sluice init, then npm install, npm test and npm run typecheck in the new project"
  npx sluice init app --sluice "$tarball" || fail "Node $major: sluice init"
  cd app
  for f in package.json tsconfig.json README.md .gitignore src/page-views.ts test/page-views.test.ts; do
    [[ -f "$f" ]] || fail "Node $major: sluice init did not write $f"
  done
  grep -q 'npm run dev' README.md && grep -q 'npm test' README.md || fail "Node $major: the scaffolded README lacks npm run dev / npm test"
  quiet_npm install >"$work/init-install-$major.log" 2>&1 || { cat "$work/init-install-$major.log"; fail "Node $major: npm install in the scaffolded project"; }
  npm test || fail "Node $major: npm test in the scaffolded project"
  npm run typecheck || fail "Node $major: npm run typecheck in the scaffolded project"
  npx sluice describe src/page-views.ts >/dev/null || fail "Node $major: describe of the scaffolded topology"
  if [[ "$dev" == 1 ]]; then
    step "Node $major: npm run dev in the scaffolded project (local broker from the package, demo feed, Ctrl-C)"
    node "$root/test/package/dev-smoke.mjs" 180 || fail "Node $major: npm run dev in the scaffolded project"
  fi
  cd "$root"
}

for major in $nodes; do check_with_node "$major"; done
echo "test/package/check.sh: passed (Node ${nodes// /, }; tarball $size bytes)"
