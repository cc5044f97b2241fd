import { SWITCH_FLAGS } from '../config/config.ts';

type Option = { readonly type: 'string' } | { readonly type: 'boolean' };

const SWITCH_VALUES = /^(true|false|1|0|yes|no)$/i;
const NEGATIVE_NUMBER = /^-\d/;

/**
 * Prepares argv for node:util parseArgs, which takes every config flag as a string: `--commit-interval-ms -5`
 * becomes `--commit-interval-ms=-5` (parseArgs calls a value starting with "-" ambiguous, so the range check
 * could not say what was wrong), and a switch given alone (`--kafka-ssl`) becomes `--kafka-ssl=true`.
 */
export function normalizeArgs(args: readonly string[], options: Readonly<Record<string, Option>>): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const name = arg.startsWith('--') && !arg.includes('=') ? arg.slice(2) : undefined;
    if (name === undefined || options[name]?.type !== 'string') {
      out.push(arg);
      continue;
    }
    const next = args[i + 1];
    if (SWITCH_FLAGS.includes(name)) {
      if (next !== undefined && SWITCH_VALUES.test(next)) {
        out.push(`${arg}=${next}`);
        i++;
      } else out.push(`${arg}=true`);
    } else if (next !== undefined && NEGATIVE_NUMBER.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j] as number;
      row[j] = Math.min(current + 1, (row[j - 1] as number) + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length] as number;
}

/** One line for a parseArgs error: the option, what is accepted, and the closest known option. */
export function unknownOptionMessage(error: Error, known: readonly string[]): string {
  const code = (error as { code?: string }).code;
  const option = /'(-[^']+)'/.exec(error.message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option !== undefined) {
    const name = option.replace(/^-+/, '').split('=')[0] as string;
    const closest = [...known].sort((a, b) => distance(name, a) - distance(name, b))[0];
    const hint = closest !== undefined && distance(name, closest) <= Math.max(2, Math.floor(name.length / 4)) ? `; did you mean --${closest}?` : '';
    return `unknown option ${option} (expected one of the options in sluice --help${hint})`;
  }
  return error.message.split('\n')[0] as string;
}
