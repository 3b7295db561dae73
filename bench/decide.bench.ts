/**
 * Decision benchmark (`npm run bench:decide`): at 50 concurrent connections over loopback,
 * `POST /v1/decide` on the real server (1,000 breakers loaded, velocity rules on) against a bare
 * fastify route answering a constant in the same kind of process, alternating runs so machine
 * noise hits both alike; then the SDK's in-process cached decision. Writes its section of
 * bench/RESULTS.md. Targets (issue 4): >= 80 % of the bare route's requests/s, p99 <= 2x the
 * bare route's, >= 1,000,000 cached decisions/s.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { createBreakerCache } from '@tollgate/client';
import { median, writeResultsSection } from './results-file.ts';

const CONNECTIONS = 50;
const DURATION_S = Number(process.env.BENCH_SECONDS ?? 10);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const BREAKERS = 1_000;
const ADMIN_KEY = 'bench-admin-key-0123456789';
const RUN_TS = fileURLToPath(new URL('../apps/cli/bin/run-ts.js', import.meta.url));
const TOLLGATE = fileURLToPath(new URL('../apps/cli/bin/tollgate.js', import.meta.url));

function start(args: string[], env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, args, { env: { ...process.env, PORT: '0', LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /API\s+(http:\/\/\S+)/.exec(out);
      if (match) resolve({ url: match[1]!, child });
    });
    child.on('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.on('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** Requests spread over many phones, IPs and sessions, as real traffic is (velocity rules stay quiet). */
function requestBodies(): string[] {
  return Array.from({ length: 20_000 }, (_, i) =>
    JSON.stringify({
      app: 'shop',
      flow: 'login',
      phone: `+4474${String(10_000_000 + i * 37).slice(-8)}`,
      // 198.18.0.0/15: the range RFC 2544 reserves for benchmarks (a value in the body, never a destination).
      ip: `198.${18 + ((i >> 16) & 1)}.${(i >> 8) & 255}.${i & 255}`,
      session_id: `bench-${i}`,
    }),
  );
}

async function load(url: string, bodies: string[]): Promise<{ rps: number; p99: number; errors: number }> {
  let i = 0;
  const result = await autocannon({
    url: `${url}/v1/decide`,
    method: 'POST',
    connections: CONNECTIONS,
    duration: DURATION_S,
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    requests: [{ setupRequest: (req) => ({ ...req, body: bodies[i++ % bodies.length] }) }],
  });
  return { rps: result.requests.average, p99: result.latency.p99, errors: result.non2xx + result.errors };
}

async function tripBreakers(url: string): Promise<void> {
  for (let b = 0; b < BREAKERS; b++) {
    // Prefixes of other countries and ASNs: breakers the index must skip, as most are for any one request.
    const scope = b % 2 === 0 ? { prefix: `+998 ${String(100 + (b % 900)).padStart(3, '0')}` } : { asn: 100_000 + b };
    const res = await fetch(`${url}/v1/breakers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ scope, action: b % 3 === 0 ? 'challenge' : 'block', note: 'bench' }),
    });
    if (res.status !== 201) throw new Error(`trip answered ${res.status}: ${await res.text()}`);
  }
}

function cachedDecisionsPerSecond(): number {
  const snapshot = {
    version: 1,
    generated_at: Date.now(),
    breakers: Array.from({ length: BREAKERS }, (_, b) => ({
      id: `b${b}`,
      scope: b % 2 === 0 ? { prefix: `+998 ${String(100 + (b % 900)).padStart(3, '0')}` } : { asn: 100_000 + b },
      action: 'block' as const,
      mode: 'enforce' as const,
      state: 'open' as const,
      probe_share: 0.05,
      expires_at: null,
    })),
  };
  const cache = createBreakerCache({ baseUrl: 'http://127.0.0.1:9', apiKey: 'unused', refreshMs: 3_600_000 });
  cache.applySnapshot(snapshot);
  const requests = Array.from({ length: 1_000 }, (_, i) => ({ app: 'shop', flow: 'login', country: 'GB', prefix: `+44 ${700 + (i % 99)}`, asn: 2856 + (i % 7) }));
  const samples: number[] = [];
  for (let run = 0; run < 5; run++) {
    const n = 2_000_000;
    const started = performance.now();
    for (let i = 0; i < n; i++) cache.decideLocally(requests[i % requests.length]!);
    samples.push(n / ((performance.now() - started) / 1000));
  }
  cache.stop();
  return median(samples);
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-bench-decide-'));
  const server = await start([TOLLGATE, 'serve'], { TOLLGATE_DATA_DIR: dataDir, TOLLGATE_ADMIN_KEY: ADMIN_KEY });
  const bare = await start([RUN_TS, fileURLToPath(new URL('./bare-server.ts', import.meta.url))], {});
  const bodies = requestBodies();
  const decideRuns: { rps: number; p99: number }[] = [];
  const bareRuns: { rps: number; p99: number }[] = [];
  try {
    console.error(`tripping ${BREAKERS} breakers...`);
    await tripBreakers(server.url);
    await load(server.url, bodies.slice(0, 1000)); // warm-up: JIT and the number-block cache
    for (let run = 0; run < RUNS; run++) {
      const b = await load(bare.url, bodies);
      const d = await load(server.url, bodies);
      if (d.errors > 0) throw new Error(`/v1/decide answered ${d.errors} errors`);
      bareRuns.push(b);
      decideRuns.push(d);
      console.error(`run ${run + 1}/${RUNS}: bare ${Math.round(b.rps)} req/s p99 ${b.p99} ms; decide ${Math.round(d.rps)} req/s p99 ${d.p99} ms`);
    }
  } finally {
    await stop(server.child);
    await stop(bare.child);
    rmSync(dataDir, { recursive: true, force: true });
  }
  const cached = cachedDecisionsPerSecond();
  const rps = { decide: median(decideRuns.map((r) => r.rps)), bare: median(bareRuns.map((r) => r.rps)) };
  const p99 = { decide: median(decideRuns.map((r) => r.p99)), bare: median(bareRuns.map((r) => r.p99)) };
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  const table = [
    '| measure | /v1/decide (1,000 breakers, velocity on) | bare fastify route | ratio |',
    '| --- | --- | --- | --- |',
    `| requests/s (median of ${RUNS}) | ${fmt(rps.decide)} | ${fmt(rps.bare)} | ${((rps.decide / rps.bare) * 100).toFixed(0)} % |`,
    `| p99 latency ms (median of ${RUNS}) | ${p99.decide} | ${p99.bare} | ${(p99.decide / Math.max(p99.bare, 1)).toFixed(2)}x |`,
    `| SDK cached decisions/s (1,000 breakers, median of 5) | ${fmt(cached)} | | |`,
  ].join('\n');
  const verdict =
    `Targets: >= 80 % of bare requests/s: ${rps.decide / rps.bare >= 0.8 ? 'met' : 'NOT met'}; ` +
    `p99 <= 2x bare: ${p99.decide <= 2 * Math.max(p99.bare, 1) ? 'met' : 'NOT met'}; ` +
    `>= 1,000,000 cached decisions/s: ${cached >= 1_000_000 ? 'met' : 'NOT met'}.`;
  console.log(`${table}\n${verdict}`);
  writeResultsSection(
    'decide',
    [
      `Command: \`npm run bench:decide\` (autocannon, ${CONNECTIONS} connections, ${DURATION_S} s per run, ${RUNS} alternating runs; both servers in child processes on loopback; 20,000 distinct phones, IPs and sessions).`,
      `Measured ${new Date().toISOString().slice(0, 10)} on ${process.platform} ${process.arch}, Node ${process.version}, 2 cores shared by the load generator and the server.`,
      '',
      table,
      '',
      verdict,
    ].join('\n'),
  );
}

await main();
