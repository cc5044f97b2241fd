// Runs `npm run dev` in a scaffolded project (cwd) with the local broker on a free port, waits until a windowed
// result line appears on stdout, sends Ctrl-C (SIGINT to the process group, as a terminal does) and checks that everything stopped: the command exits 0
// and the broker it started no longer runs. Prints what the terminal showed.
//   node dev-smoke.mjs [timeoutSeconds]
import { execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';

const timeoutMs = Number(process.argv[2] ?? 180) * 1000;
const WINDOW_LINE = /^\/\S*\s+\[\d\d:\d\d:\d\d → \d\d:\d\d:\d\d\)\s+\d+$/m;

const port = await new Promise((resolve, reject) => {
  const server = createServer().once('error', reject);
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address();
    server.close(() => resolve(port));
  });
});

const env = { ...process.env };
delete env.KAFKA_BROKERS;
delete env.SLUICE_BROKERS;
// Its own process group, like a shell's foreground job: Ctrl-C signals npm, sh and sluice together.
const child = spawn('npm', ['run', 'dev', '--', '--kafka-port', String(port), '--http-port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
let output = '';
child.stdout.on('data', (chunk) => (output += chunk));
child.stderr.on('data', (chunk) => (output += chunk));
const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));

const deadline = Date.now() + timeoutMs;
while (!WINDOW_LINE.test(output) && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
const sawWindow = WINDOW_LINE.test(output);
process.kill(-child.pid, 'SIGINT');
const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('still running 60 s after SIGINT'), 60_000))]);
console.log(output);

const status = execFileSync('bash', ['node_modules/sluice/docker/local-kafka/kafka.sh', 'status'], { encoding: 'utf8' });
const brokerLeft = status.includes(`127.0.0.1:${port} `);
if (brokerLeft) execFileSync('bash', ['node_modules/sluice/docker/local-kafka/kafka.sh', 'stop', '--port', String(port)]);
const problems = [];
if (!sawWindow) problems.push(`no windowed result line within ${timeoutMs / 1000} s`);
// npm itself ends by the signal it got (the shell convention for an interrupted job); sluice under it must have
// finished its shutdown: the summary line, then the broker stop.
if (code !== 0 && code !== 'SIGINT') problems.push(`npm run dev ended with ${code} after SIGINT (expected 0 or SIGINT)`);
if (!/^sluice dev: .*records? on page-views-10s/m.test(output)) problems.push('no summary line: sluice did not shut down cleanly');
if (!output.includes(`sluice dev: stopping the local broker on port ${port}`)) problems.push('sluice did not stop the broker it started');
if (brokerLeft) problems.push(`the broker on port ${port} was still running after npm run dev ended`);
if (problems.length > 0) {
  console.error(`dev-smoke: ${problems.join('; ')}`);
  process.exit(1);
}
console.log(`dev-smoke: a windowed result printed; Ctrl-C stopped sluice and the broker on port ${port}`);
