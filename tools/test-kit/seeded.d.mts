// Types for seeded.mjs, which stays plain JS so Node scripts import it as is.

/** mulberry32: numbers in [0, 1), the same sequence for the same seed. */
export declare function seeded(seed: number): () => number;
