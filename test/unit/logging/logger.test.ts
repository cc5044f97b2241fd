import { describe, expect, it } from 'vitest';
import { ConfigError, SluiceError } from '../../../src/errors/index.ts';
import { createLogger, parseLogLevel, taskLogger } from '../../../src/logging/logger.ts';

function collector(): { write(line: string): void; lines: string[]; json(): Array<Record<string, unknown>> } {
  const lines: string[] = [];
  return {
    lines,
    write(line: string) {
      lines.push(line);
    },
    json: () => lines.join('').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('createLogger', () => {
  it('writes one JSON object per line with level label, ISO time, name and message', () => {
    const out = collector();
    const logger = createLogger({ level: 'info', name: 'clickstream', destination: out });
    logger.info({ records: 3 }, 'committed');
    logger.debug('not at info');
    const [line, ...rest] = out.json();
    expect(rest).toEqual([]);
    expect(line).toMatchObject({ level: 'info', name: 'clickstream', msg: 'committed', records: 3 });
    expect(String(line?.['time'])).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it.each([
    ['trace', ['trace', 'debug', 'info', 'warn', 'error', 'fatal']],
    ['warn', ['warn', 'error', 'fatal']],
    ['ERROR', ['error', 'fatal']],
    [' Info ', ['info', 'warn', 'error', 'fatal']],
    ['silent', []],
  ] as const)('level %j lets through %j', (level, expected) => {
    const out = collector();
    const logger = createLogger({ level, destination: out });
    for (const l of ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const) logger[l](l);
    expect(out.json().map((line) => line['level'])).toEqual(expected);
  });

  it.each(['verbose', '', 'warning', '30'])('rejects level %j with a ConfigError naming the accepted levels', (level) => {
    const attempt = (): unknown => createLogger({ level });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/expected one of fatal, error, warn, info, debug, trace, silent/);
    try {
      parseLogLevel(level);
    } catch (error) {
      expect((error as ConfigError).code).toBe('SLUICE_CONFIG');
      expect((error as ConfigError).context.field).toBe('logLevel');
    }
  });

  it('rejects an unknown format', () => {
    // A config file read as JSON could carry anything; the type system does not protect this edge.
    const format = 'xml' as unknown as 'json';
    expect(() => createLogger({ level: 'info', format })).toThrow(ConfigError);
  });

  it('serialises a SluiceError with its code, context and cause', () => {
    const out = collector();
    const logger = createLogger({ level: 'info', destination: out });
    const error = new SluiceError('SLUICE_TEST', 'bad record', { cause: new Error('root cause'), context: { topic: 'clicks', partition: 2, offset: '17' } });
    logger.error({ err: error }, 'skipped a record');
    const err = out.json()[0]?.['err'] as Record<string, unknown>;
    expect(err).toMatchObject({ type: 'SluiceError', message: expect.stringContaining('bad record'), code: 'SLUICE_TEST', context: { topic: 'clicks', partition: 2, offset: '17' } });
    expect(String(err['stack'])).toContain('root cause');
  });

  it('pretty format writes readable lines synchronously', () => {
    const out = collector();
    const logger = createLogger({ level: 'info', format: 'pretty', destination: out });
    logger.info({ task: '0_1' }, 'task restored');
    // Synchronous: the line is there as soon as the call returns.
    const text = out.lines.join('');
    expect(text).toContain('INFO');
    expect(text).toContain('task restored');
    expect(text).toContain('task: "0_1"');
    expect(() => JSON.parse(text) as unknown).toThrow();
  });
});

describe('taskLogger', () => {
  it('binds task, topic and partition, leaving out unknown ones', () => {
    const out = collector();
    const logger = createLogger({ level: 'info', destination: out });
    taskLogger(logger, { task: '1_2', topic: 'clicks', partition: 2 }).info('a');
    taskLogger(logger, { task: '0_0' }).info('b');
    const [a, b] = out.json();
    expect(a).toMatchObject({ task: '1_2', topic: 'clicks', partition: 2, msg: 'a' });
    expect(b).toMatchObject({ task: '0_0', msg: 'b' });
    expect(b).not.toHaveProperty('topic');
    expect(b).not.toHaveProperty('partition');
  });
});
