import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { DEFAULT_SEED, generateDemoDomain } from "./generate.ts";

const USAGE = `usage: npm run seed -- --out FILE [--scale N] [--seed N] [--force]

Generates the demo domain (the fictional Hohhot data bureau's six datasets) into a DuckDB file.
  --out FILE   the DuckDB file to write (required)
  --scale N    1 ≈ 1M residents, 100k firms, 3.5M medical visits (default 1)
  --seed N     random seed; the same seed and scale give the same data (default ${DEFAULT_SEED})
  --force      replace FILE if it exists
`;

async function main(): Promise<number> {
  let values: { out?: string; scale?: string; seed?: string; force?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        out: { type: "string" },
        scale: { type: "string", default: "1" },
        seed: { type: "string", default: String(DEFAULT_SEED) },
        force: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const scale = Number(values.scale);
  const seed = Number(values.seed);
  if (!values.out || !(scale > 0 && scale <= 100) || !Number.isSafeInteger(seed)) {
    process.stderr.write(USAGE);
    return 2;
  }
  if (existsSync(values.out) && !values.force) {
    process.stderr.write(`${values.out} exists; pass --force to replace it\n`);
    return 1;
  }
  const started = performance.now();
  await generateDemoDomain({
    file: values.out,
    scale,
    seed,
    onProgress: ({ table, rows, ms }) =>
      process.stderr.write(
        `${table.padEnd(18)} ${rows.toLocaleString("en-US").padStart(12)} rows  ${ms} ms\n`,
      ),
  });
  process.stderr.write(`done in ${((performance.now() - started) / 1000).toFixed(1)} s: ${values.out}\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`seed failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
