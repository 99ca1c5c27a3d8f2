// Proves REDIS_URL points at a REAL Redis server that clients survive restarting.
// How: ioredis SET/GET and INFO (redis_version); restartRedis() restarts it (new run_id), the same client reconnects and the key is still there.
import t from 'tap';
import { Redis } from 'ioredis';
import { redisManaged, redisUrl, restartRedis } from '../../testkit/src/services';

function info(text: string, field: string): string | undefined {
  return new RegExp(`^${field}:(.+?)\\r?$`, 'm').exec(text)?.[1];
}

t.test('redis is real and clients reconnect after a restart', async (t) => {
  const key = `infra-probe:${process.pid}:${Date.now()}`;
  const client = new Redis(redisUrl());
  client.on('error', () => {}); // connection errors during the restart are expected; ioredis retries
  t.teardown(() => client.disconnect());

  t.equal(await client.set(key, 'hello'), 'OK');
  t.equal(await client.get(key), 'hello', 'value reads back');
  const server = await client.info('server');
  const version = info(server, 'redis_version');
  t.match(version, /^\d+\.\d+\.\d+$/, `INFO redis_version=${version}`);

  if (!redisManaged()) {
    t.skip('restart: REDIS_URL came from the environment, not scripts/services.sh', () => undefined);
    return;
  }
  await restartRedis();
  t.equal(await client.ping(), 'PONG', 'existing client reconnected');
  t.not(info(await client.info('server'), 'run_id'), info(server, 'run_id'), 'server really restarted (new run_id)');
  t.equal(await client.get(key), 'hello', 'key kept across restart-redis');

  const fresh = new Redis(redisUrl());
  t.teardown(() => fresh.disconnect());
  t.equal(await fresh.get(key), 'hello', 'new connection works');
  await client.del(key);
});
