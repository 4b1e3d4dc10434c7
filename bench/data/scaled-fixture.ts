import type { ModelFixture } from "../../fixtures/models/catalog.js";
import { dtypeBytes } from "../../fixtures/safetensors-writer.js";

/** Bisection steps for the scale factor: 2^-40 relative precision, far below one element of the largest tensor. */
const SCALE_STEPS = 40;

export function tensorBytes(fixture: ModelFixture): number {
  return fixture.tensors.reduce((sum, t) => sum + t.shape.reduce((a, b) => a * b, 1) * dtypeBytes(t.dtype), 0);
}

function scaledBy(fixture: ModelFixture, factor: number): ModelFixture {
  return {
    ...fixture,
    tensors: fixture.tensors.map((t) => ({
      ...t,
      shape: t.shape.map((d, i) => (i === 0 ? Math.max(1, Math.round(d * factor)) : d)),
    })),
  };
}

/**
 * The fixture with the leading dimension of every tensor scaled so its tensors hold about `targetBytes`: the same
 * names, ranks and trailing dimensions (what headers are parsed and classified by), so two sizes of one model differ
 * only in how much data a reader must not touch.
 */
export function scaledFixture(fixture: ModelFixture, targetBytes: number): ModelFixture {
  let low = 0;
  let high = Math.max(1, targetBytes / Math.max(1, tensorBytes(fixture))) * 2;
  for (let i = 0; i < SCALE_STEPS; i++) {
    const mid = (low + high) / 2;
    if (tensorBytes(scaledBy(fixture, mid)) < targetBytes) low = mid;
    else high = mid;
  }
  return scaledBy(fixture, high);
}
