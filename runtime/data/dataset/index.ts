// Public API of the dataset layer: build a Dataset (per-day cross-sections,
// random sample batches, day orders) from a Panel and a DatasetSpec. See
// docs/expressions.md §10–11.

export { buildDataset } from './dataset.js';
export type { Batch, CrossSection, Dataset, DatasetOptions, FittedStage, SetShape } from './dataset.js';
export type { MembershipSpan } from './membership.js';
