/**
 * `npm run -w gateway migrate [-- <version>]`: bring the schema of `DATABASE_URL` to the newest version (or to
 * `<version>`, `0` undoing everything).
 */
import { migrate } from './adapters/pg';

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    process.stderr.write('migrate: DATABASE_URL is not set (the embedded database migrates itself at start)\n');
    process.exit(2);
  }
  const targetArg = process.argv[2];
  const target = targetArg === undefined ? undefined : Number(targetArg);
  if (target !== undefined && (!Number.isInteger(target) || target < 0)) {
    process.stderr.write(`migrate: version must be a non-negative integer, got ${JSON.stringify(targetArg)}\n`);
    process.exit(2);
  }
  const result = await migrate(url, target);
  process.stdout.write(
    `schema version ${result.fromVersion} -> ${result.toVersion}` +
      (result.applied.length > 0 ? `; applied ${result.applied.join(', ')}` : '; nothing to do') +
      '\n',
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`migrate: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
