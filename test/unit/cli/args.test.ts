import { parseArgs } from 'node:util';
import { describe, expect, it } from 'vitest';
import { normalizeArgs, unknownOptionMessage } from '../../../src/cli/args.ts';
import { CONFIG_FLAGS } from '../../../src/config/config.ts';

const options = Object.fromEntries([...CONFIG_FLAGS.map((f) => [f, { type: 'string' as const }]), ['json', { type: 'boolean' as const }]]);

function parse(args: string[]): Record<string, unknown> {
  return parseArgs({ args: normalizeArgs(args, options), options, allowPositionals: true, strict: true }).values;
}

describe('command-line arguments', () => {
  it('passes a negative number to the flag, for the range check to report', () => {
    expect(parse(['t.ts', '--commit-interval-ms', '-5'])['commit-interval-ms']).toBe('-5');
  });

  it('takes a switch alone as true, and accepts an explicit value', () => {
    expect(parse(['--kafka-ssl', '--kafka-sasl-mechanism', 'plain'])).toMatchObject({ 'kafka-ssl': 'true', 'kafka-sasl-mechanism': 'plain' });
    expect(parse(['--kafka-ssl', 'false', 't.ts'])['kafka-ssl']).toBe('false');
    expect(parse(['t.ts', '--kafka-allow-plaintext-sasl'])['kafka-allow-plaintext-sasl']).toBe('true');
  });

  it('names an unknown option in one line with the closest known one', () => {
    let error: Error | undefined;
    try {
      parse(['--commit-intervall-ms', '100']);
    } catch (e) {
      error = e as Error;
    }
    const message = unknownOptionMessage(error as Error, Object.keys(options));
    expect(message).toBe('unknown option --commit-intervall-ms (expected one of the options in sluice --help; did you mean --commit-interval-ms?)');
    expect(message).not.toContain('\n');
  });

  it('suggests nothing for an option unlike any other', () => {
    const error = Object.assign(new Error("Unknown option '--zzzzzzzzzz'"), { code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION' });
    expect(unknownOptionMessage(error, Object.keys(options))).toBe('unknown option --zzzzzzzzzz (expected one of the options in sluice --help)');
  });
});
