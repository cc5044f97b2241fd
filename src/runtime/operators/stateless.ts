import type { OperatorSpec } from '../../dsl/graph.ts';
import type { Processor, ProcessorContext } from '../../processor/processor.ts';

/**
 * Processors for the stateless operators. Each forwards synchronously to its children; none allocates per
 * record beyond what the user function returns.
 */
abstract class Base implements Processor {
  protected context!: ProcessorContext;
  init(context: ProcessorContext): void {
    this.context = context;
  }
  abstract process(key: unknown, value: unknown, timestampMs: number): void;
}

class MapProcessor extends Base {
  constructor(private readonly fn: (k: unknown, v: unknown) => { key: unknown; value: unknown }) {
    super();
  }
  process(key: unknown, value: unknown, timestampMs: number): void {
    const out = this.fn(key, value);
    this.context.forward(out.key, out.value, timestampMs);
  }
}

class MapValuesProcessor extends Base {
  constructor(private readonly fn: (v: unknown, k: unknown) => unknown) {
    super();
  }
  process(key: unknown, value: unknown, timestampMs: number): void {
    this.context.forward(key, this.fn(value, key), timestampMs);
  }
}

class SelectKeyProcessor extends Base {
  constructor(private readonly fn: (k: unknown, v: unknown) => unknown) {
    super();
  }
  process(key: unknown, value: unknown, timestampMs: number): void {
    this.context.forward(this.fn(key, value), value, timestampMs);
  }
}

class FilterProcessor extends Base {
  constructor(private readonly fn: (k: unknown, v: unknown) => boolean) {
    super();
  }
  process(key: unknown, value: unknown, timestampMs: number): void {
    if (this.fn(key, value)) this.context.forward(key, value, timestampMs);
  }
}

class FlatMapProcessor extends Base {
  constructor(private readonly fn: (k: unknown, v: unknown) => Iterable<{ key: unknown; value: unknown }>) {
    super();
  }
  process(key: unknown, value: unknown, timestampMs: number): void {
    for (const out of this.fn(key, value)) this.context.forward(out.key, out.value, timestampMs);
  }
}

class FlatMapValuesProcessor extends Base {
  constructor(private readonly fn: (v: unknown, k: unknown) => Iterable<unknown>) {
    super();
  }
  process(key: unknown, value: unknown, timestampMs: number): void {
    for (const out of this.fn(value, key)) this.context.forward(key, out, timestampMs);
  }
}

class PeekProcessor extends Base {
  constructor(private readonly fn: (k: unknown, v: unknown) => void) {
    super();
  }
  process(key: unknown, value: unknown, timestampMs: number): void {
    this.fn(key, value);
    this.context.forward(key, value, timestampMs);
  }
}

/** One branch: takes a record when its predicate holds and no earlier branch's did. */
class BranchProcessor extends Base {
  constructor(
    private readonly predicate: (k: unknown, v: unknown) => boolean,
    private readonly earlier: readonly ((k: unknown, v: unknown) => boolean)[],
  ) {
    super();
  }
  process(key: unknown, value: unknown, timestampMs: number): void {
    for (let i = 0; i < this.earlier.length; i++) if ((this.earlier[i] as (k: unknown, v: unknown) => boolean)(key, value)) return;
    if (this.predicate(key, value)) this.context.forward(key, value, timestampMs);
  }
}

class PassThroughProcessor extends Base {
  process(key: unknown, value: unknown, timestampMs: number): void {
    this.context.forward(key, value, timestampMs);
  }
}

export function createStatelessProcessor(spec: Exclude<OperatorSpec, { kind: 'stateful' } | { kind: 'globalJoin' }>): Processor {
  switch (spec.kind) {
    case 'map':
      return new MapProcessor(spec.fn);
    case 'mapValues':
      return new MapValuesProcessor(spec.fn);
    case 'selectKey':
      return new SelectKeyProcessor(spec.fn);
    case 'filter':
      return new FilterProcessor(spec.fn);
    case 'flatMap':
      return new FlatMapProcessor(spec.fn);
    case 'flatMapValues':
      return new FlatMapValuesProcessor(spec.fn);
    case 'peek':
      return new PeekProcessor(spec.fn);
    case 'branch':
      return new BranchProcessor(spec.predicate, spec.earlier);
    case 'merge':
      return new PassThroughProcessor();
  }
}

export { PassThroughProcessor };
