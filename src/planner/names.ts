/** `<applicationId>-<name>-repartition`, `<applicationId>-<store>-changelog`. */
export function internalTopicName(applicationId: string, name: string, suffix: 'repartition' | 'changelog'): string {
  return `${applicationId}-${name}-${suffix}`;
}

/** The transactional id of the task running `subtopology` on `partition`: `<applicationId>-<subtopology>_<partition>`. */
export function transactionalIdFor(applicationId: string, subtopology: number, partition: number): string {
  return `${applicationId}-${taskIdFor(subtopology, partition)}`;
}

/** Task ids read `<subtopology>_<partition>`, e.g. `0_3`. */
export function taskIdFor(subtopology: number, partition: number): string {
  return `${subtopology}_${partition}`;
}
