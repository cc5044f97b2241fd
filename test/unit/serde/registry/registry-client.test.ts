import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../../src/errors/index.ts';
import { BoundedMap } from '../../../../src/serde/registry/bounded-map.ts';
import { schemaRegistry } from '../../../../src/serde/registry/registry-client.ts';

describe('schemaRegistry options', () => {
  it.each([
    { name: 'empty url', options: { url: '' }, error: /url is missing/ },
    { name: 'not a url', options: { url: 'registry:8081' }, error: /must start with http/ },
    { name: 'garbage', options: { url: 'http://' }, error: /is not a URL/ },
    { name: 'cacheSize 0', options: { url: 'http://127.0.0.1:8081', cacheSize: 0 }, error: /cacheSize 0 must be a positive integer/ },
    { name: 'timeoutMs -1', options: { url: 'http://127.0.0.1:8081', timeoutMs: -1 }, error: /timeoutMs -1/ },
  ])('connect() rejects $name with a ConfigError, without sending anything', async ({ options, error }) => {
    const client = schemaRegistry(options);
    const rejection = await client.connect().catch((e: unknown) => e);
    expect(rejection).toBeInstanceOf(ConfigError);
    expect((rejection as Error).message).toMatch(error);
    expect(client.requestCount).toBe(0);
  });

  it('normalises the URL and takes credentials out of it', () => {
    expect(schemaRegistry({ url: ' http://127.0.0.1:18081/apis/ccompat/v7/ ' }).url).toBe('http://127.0.0.1:18081/apis/ccompat/v7');
    expect(schemaRegistry({ url: 'https://key:s%40cret@registry.example/' }).url).toBe('https://registry.example');
  });

  it('defaults the cache size to 1000', () => {
    expect(schemaRegistry({ url: 'http://127.0.0.1:8081' }).cacheSize).toBe(1000);
    expect(schemaRegistry({ url: 'http://127.0.0.1:8081', cacheSize: 5 }).cacheSize).toBe(5);
  });
});

describe('BoundedMap', () => {
  it('drops the oldest entries past its capacity', () => {
    const map = new BoundedMap<number, string>(2);
    map.set(1, 'a').set(2, 'b').set(3, 'c');
    expect([map.has(1), map.has(2), map.has(3), map.size]).toEqual([false, true, true, 2]);
  });

  it('keeps the entries it is told to keep, even past its capacity', () => {
    const map = new BoundedMap<number, string>(2);
    const batch = new Set([1, 2, 3]);
    map.set(1, 'a', batch).set(2, 'b', batch).set(3, 'c', batch);
    expect(map.size).toBe(3);
    map.set(4, 'd');
    expect([map.has(1), map.has(2), map.has(3), map.has(4)]).toEqual([false, false, true, true]);
  });

  it('re-setting a key makes it the newest', () => {
    const map = new BoundedMap<number, string>(2);
    map.set(1, 'a').set(2, 'b').set(1, 'a2').set(3, 'c');
    expect([map.get(1), map.has(2), map.get(3)]).toEqual(['a2', false, 'c']);
  });
});
