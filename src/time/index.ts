export { parseDuration, formatDuration, type Duration, type DurationUnit } from './duration.ts';
export { WatermarkTracker, type WatermarkTrackerOptions } from './watermark-tracker.ts';
