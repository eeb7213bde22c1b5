// `npm run sim`: a Deephaven Enterprise simulator on a free 127.0.0.1 port, until Ctrl+C.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeKeyFile } from './keys';
import { Simulator, type Knobs } from './simulator';

function parseKnobs(argv: string[]): Partial<Knobs> {
  const k: Record<string, unknown> = {};
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    const v = argv[i + 1];
    if (key === 'servers' || key === 'capacityGb') continue; // read by serversOf
    k[key] = key === 'workerMs' || key === 'workerMsByName' ? v.split(',').map(Number) : key === 'capacityMode' ? v : key === 'keepReceived' ? v !== '0' && v !== 'false' : Number(v);
  }
  return k as Partial<Knobs>;
}

/** `--servers N --capacity-gb G`: N query servers of G GB each (default 2 × 64). */
export function serversOf(argv: string[]): { name: string; capacityGb: number }[] | undefined {
  const flag = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? Number(argv[i + 1]) : undefined;
  };
  const n = flag('--servers');
  const gb = flag('--capacity-gb');
  if (n === undefined && gb === undefined) return undefined;
  return Array.from({ length: n ?? 2 }, (_, i) => ({ name: `QueryServer_${i + 1}`, capacityGb: gb ?? 64 }));
}

async function main(): Promise<void> {
  const password = randomBytes(9).toString('base64url');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pqo-sim-'));
  const key = writeKeyFile(dir, 'sim');
  const argv = process.argv.slice(2);
  const servers = serversOf(argv);
  const sim = new Simulator({ users: { sim: password }, publicKeys: { sim: [key.publicKey] }, ...(servers ? { servers, maxHeapGb: Math.max(...servers.map((x) => x.capacityGb)) } : {}), knobs: { workerMs: [2000, 6000], stepMs: 300, ...parseKnobs(argv) } });
  await sim.start(Number(process.env.PQO_SIM_PORT ?? 0));
  console.log(`Deephaven Enterprise simulator listening on 127.0.0.1:${sim.port}

  connection_url:   ${sim.connectionUrl}
  username:         sim
  password:         ${password}
  private key file: ${key.file}

Try it:
  export DH_CONNECTION_URL=${sim.connectionUrl} DH_USERNAME=sim DH_PASSWORD=${password}
  pq-orchestrator --config examples/simple_worker_batch/config.yaml

Knobs (flags): --fail-fraction 0.2 --hang-init-fraction 0.1 --reject-next 3 --drop-reply-next 1
  --disconnect-after-creates 5 --event-delay-ms 200 --worker-ms 2000,6000 --capacity-mode wait|fail
  --worker-ms-by-name 200,400 (the same name always runs as long) --servers 8 --capacity-gb 256 --keep-received 0
State: GET http://127.0.0.1:${sim.port}/sim/state (?brief=1: counts and CPU only)   Knobs at run time: POST /sim/knobs (JSON)
Ctrl+C stops it.`);
  const stop = async () => {
    await sim.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (require.main === module) void main();
