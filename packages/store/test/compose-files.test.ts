import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { schemaStatements, loadMigrations, storeConfigFromEnv } from '../src/index.ts';

// No Docker engine runs where the tests run, so the compose files are checked by reading them:
// the store configuration each API service gets, and the cluster wiring it relies on.
const ROOT = resolve(import.meta.dirname, '../../..');

interface Service {
  hostname?: string;
  environment?: Record<string, string>;
  volumes?: string[];
}

function compose(file: string): Record<string, Service> {
  return (parse(readFileSync(resolve(ROOT, file), 'utf8'), { merge: true }) as { services: Record<string, Service> }).services;
}

/** The value compose would give `${NAME:-default}` / `${NAME:?message}` with nothing set in the shell. */
function envOf(service: Service): Record<string, string> {
  return Object.fromEntries(
    Object.entries(service.environment ?? {}).map(([k, v]) => [
      k,
      String(v)
        .replace(/\$\{\w+:-([^}]*)\}/g, '$1')
        .replace(/\$\{\w+:\?[^}]*\}/g, 'set-by-operator'),
    ]),
  );
}

function xml(file: string): string {
  return readFileSync(resolve(ROOT, file), 'utf8');
}

describe('docker-compose.yml (one ClickHouse server)', () => {
  it('gives the API a server store without a cluster', () => {
    const services = compose('docker-compose.yml');
    const config = storeConfigFromEnv(envOf(services.api as Service), '/data');
    expect(config).toMatchObject({ kind: 'server', url: 'http://clickhouse:8123', database: 'tollgate' });
    expect(config).not.toHaveProperty('cluster');
    expect(services).toHaveProperty('clickhouse');
  });
});

describe('docker-compose.cluster.yml (two shards and Keeper)', () => {
  const services = compose('docker-compose.cluster.yml');
  const clusterXml = xml('deploy/clickhouse/cluster.xml');
  const keeperXml = xml('deploy/clickhouse/keeper.xml');
  const clusterName = /<remote_servers>\s*<(\w+)>/.exec(clusterXml)?.[1];
  const replicaHosts = [...clusterXml.matchAll(/<host>([\w-]+)<\/host>\s*<port>9000<\/port>/g)].map((m) => m[1] as string);

  it("runs the API on the cluster that the nodes' remote_servers define, with its DDL generated for that name", () => {
    const config = storeConfigFromEnv(envOf(services.api as Service), '/data');
    expect(config).toMatchObject({ kind: 'server', cluster: clusterName });
    expect(() => schemaStatements(loadMigrations(), clusterName)).not.toThrow();
    expect(replicaHosts).toContain(new URL(envOf(services.api as Service).CLICKHOUSE_URL as string).hostname);
  });

  it('has one service per replica, each with the cluster config mounted and its own shard macro', () => {
    expect(replicaHosts).toHaveLength(2);
    const shards = replicaHosts.map((host) => {
      const node = services[host] as Service;
      expect(node.hostname).toBe(host);
      expect(node.volumes).toContain('./deploy/clickhouse/cluster.xml:/etc/clickhouse-server/config.d/cluster.xml:ro');
      expect(envOf(node).TOLLGATE_REPLICA).toBe(host);
      expect(envOf(node).CLICKHOUSE_PASSWORD).toBe(envOf(services.api as Service).CLICKHOUSE_PASSWORD);
      return envOf(node).TOLLGATE_SHARD;
    });
    expect(new Set(shards).size).toBe(2);
    expect(clusterXml).toContain('<shard from_env="TOLLGATE_SHARD"/>');
    expect(clusterXml).toContain('<replica from_env="TOLLGATE_REPLICA"/>');
  });

  it('points the nodes at the Keeper service and port that keeper.xml serves', () => {
    const keeper = services.keeper as Service;
    const [, host, port] = /<zookeeper>\s*<node>\s*<host>([\w-]+)<\/host>\s*<port>(\d+)<\/port>/.exec(clusterXml) ?? [];
    expect(host).toBe(keeper.hostname);
    expect(keeperXml).toContain(`<tcp_port>${port}</tcp_port>`);
    expect(keeperXml).toContain(`<hostname>${keeper.hostname}</hostname>`);
    expect(keeper.volumes).toContain('./deploy/clickhouse/keeper.xml:/etc/clickhouse-keeper/keeper_config.xml:ro');
  });

  it('mounts only files that exist', () => {
    for (const service of Object.values(services)) {
      for (const volume of service.volumes ?? []) {
        if (volume.startsWith('./')) expect(existsSync(resolve(ROOT, volume.split(':')[0] as string)), volume).toBe(true);
      }
    }
  });
});
