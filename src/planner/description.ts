/** The JSON shape of a planned topology: printed by `sluice describe`, served at /topology. */
export interface TopologyDescription {
  readonly applicationId: string;
  readonly subtopologies: readonly SubtopologyDescription[];
  readonly topics: readonly TopicDescription[];
  readonly transactionalIds: readonly string[];
  /** Global tables: read in full on every instance, outside the group (absent when there are none). */
  readonly globalTables?: readonly GlobalTableDescription[];
}

export interface GlobalTableDescription {
  readonly name: string;
  readonly topic: string;
  /** The topic's partition count when known; every instance reads all of them. */
  readonly partitions: number | null;
  /** The join operators that look it up, with their sub-topology. */
  readonly joinedBy: readonly { readonly operator: string; readonly subtopology: number }[];
}

export interface SubtopologyDescription {
  readonly id: number;
  readonly sourceTopics: readonly string[];
  readonly sinkTopics: readonly string[];
  readonly partitions: number | null;
  readonly operators: readonly OperatorDescription[];
  readonly stores: readonly string[];
  /** Every store of the sub-topology with its kind, the operator owning it and its changelog topic. */
  readonly storeChangelogs: readonly StoreDescription[];
  /** Tables read from a topic (`t.table`): the operator, the topic and the store, whose changelog the topic is. */
  readonly tables: readonly TableDescription[];
  /**
   * Which operator reads or writes which topic: each source or repartition topic it reads into its entry
   * operator, and each sink, repartition, late and changelog topic from the operator that writes it. With
   * the operators' `children`, the complete graph of the sub-topology. The dead-letter topic has no edge:
   * any operator may send to it.
   */
  readonly edges: readonly TopicEdge[];
}

export interface StoreDescription {
  readonly name: string;
  readonly kind: 'key-value' | 'window' | 'session';
  readonly operator: string;
  /** The store's changelog: an internal topic, or for a table read from a topic that source topic. */
  readonly changelogTopic: string;
  /** True when `changelogTopic` is the table's source topic: nothing is written to it for the store. */
  readonly changelogIsSource: boolean;
}

export interface TableDescription {
  readonly operator: string;
  readonly topic: string;
  readonly store: string;
}

export interface OperatorDescription {
  readonly name: string;
  readonly kind: string;
  /** Names of the operators this one feeds (all in the same sub-topology). */
  readonly children: readonly string[];
  /** Stores of other operators it reads: a join looking up the current value of a table. */
  readonly lookups?: readonly string[];
}

/** `read`: records of `topic` enter at `operator`. `write`: `operator` produces to `topic`. */
export interface TopicEdge {
  readonly direction: 'read' | 'write';
  readonly topic: string;
  readonly operator: string;
}

export type TopicRole = 'source' | 'sink' | 'repartition' | 'changelog' | 'dlq' | 'late' | 'global';

export interface TopicDescription {
  readonly name: string;
  readonly role: TopicRole;
  /** Required partition count; null for sources and user sinks whose count sluice does not decide. */
  readonly partitions: number | null;
  /** Whether sluice creates it at startup. */
  readonly internal: boolean;
  readonly config: Readonly<Record<string, string>>;
}
