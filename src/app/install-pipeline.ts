import type { PoolOptions } from "../inspect/inspect-pool.js";
import { applyPlan, defaultJournalDir, gatherSnapshot, planInstall, recoverStaleBatches } from "../install/index.js";
import type {
  ApplyReport,
  InstallCandidate,
  InstallPlan,
  PlanOptions,
  RecoveredBatch,
  WebuiTarget,
} from "../install/types.js";
import type { CivitaiMatch } from "./civitai-lookup.js";
import type { FileHasher } from "./file-hasher.js";
import { type InspectedCandidate, inspectCandidates } from "./inspect-candidates.js";
import { formatByteProgress, type StatusLine } from "./progress.js";

export interface InstallOutcome {
  target: WebuiTarget;
  files: InspectedCandidate[];
  /** Every candidate planned: the inspected files', then the predicted ones. */
  candidates: InstallCandidate[];
  plan: InstallPlan;
  /** null for a dry run, and when the plan holds unresolved conflicts (nothing is applied then). */
  applied: ApplyReport | null;
  civitai: CivitaiMatch[];
  /** Batches of killed runs settled first (so inspection and the plan see what they left); none for a dry run. */
  recovered?: RecoveredBatch[];
}

export interface PredictedCandidate {
  candidate: InstallCandidate;
  /** The SHA-256 the service states, so a duplicate is recognised before downloading. */
  sha256: string | null;
}

export interface PipelineSettings {
  env: NodeJS.ProcessEnv;
  hasher: FileHasher;
  status: StatusLine;
  civitai: boolean;
  /** Keep each file's shown header metadata (see `keptMetadata`): only an HTML report shows it. */
  keepMetadata: boolean;
  /** Most threads inspecting at once (`--jobs`); default one per core. */
  jobs?: PoolOptions["jobs"];
  token?: string;
  /** Files that do not exist yet (a dry run of a URL): planned from what the service states, never inspected. */
  predicted?: readonly PredictedCandidate[];
  /**
   * Runs the apply step with the signal that stops it at a safe point: the CLI turns SIGINT/SIGTERM into that
   * signal for this step only. Without it, applying cannot be interrupted.
   */
  interruptible?: <T>(work: (signal: AbortSignal) => Promise<T>) => Promise<T>;
}

/**
 * install and sort share one pipeline: inspect → classify → (Civitai sidecars beside the source, so they move with
 * the model) → snapshot → plan → apply. A dry run plans exactly what a real run would do and writes nothing.
 */
export async function runInstallPipeline(
  paths: readonly string[],
  target: WebuiTarget,
  options: PlanOptions,
  settings: PipelineSettings,
): Promise<InstallOutcome> {
  const { status, hasher } = settings;
  // Before anything is inspected: a killed run's half-moved file would otherwise be planned as a duplicate of itself.
  const recovered = options.dryRun ? [] : await recoverStaleBatches(defaultJournalDir(target));
  const files = await inspectCandidates(
    paths,
    (index, total, path) => status.update(`Inspecting ${index + 1}/${total} ${path}`),
    { keepMetadata: settings.keepMetadata, jobs: settings.jobs },
  );
  // The Civitai client loads only for --civitai: undici and the zod schemas add ~18 MB to a run's peak RSS.
  const civitai = settings.civitai
    ? await (await import("./civitai-lookup.js")).lookUpOnCivitai(
        // Civitai knows files by SHA-256; a diffusers folder has none.
        files
          .filter((f) => f.inspection.error === null && f.inspection.format !== "diffusers")
          .map((f) => ({ path: f.candidate.source, classification: f.classification })),
        { env: settings.env, hasher, writeSidecars: !options.dryRun, token: settings.token, status },
      )
    : [];

  const candidates = [...files.map((f) => f.candidate), ...(settings.predicted ?? []).map((p) => p.candidate)];
  const predicted = new Map((settings.predicted ?? []).map((p) => [p.candidate.source, p.sha256 ?? ""]));
  status.update("Planning…");
  // The snapshot (every entry of every listed folder, every real path) is read only by the planner: it is not kept
  // while the plan is applied and reported.
  const plan = planInstall(
    candidates,
    target,
    options,
    await gatherSnapshot(candidates, target, options, {
      // A predicted file does not exist yet: its hash is what the service states, or unknown ("" never matches).
      sha256: async (path) => predicted.get(path) ?? (await hasher.hash(path)).sha256,
    }),
  );

  let applied: ApplyReport | null = null;
  if (!options.dryRun && plan.summary.conflict === 0) {
    const began = Date.now();
    applied = await (settings.interruptible ?? uninterruptible)((signal) =>
      applyPlan(plan, {
        journalDir: defaultJournalDir(target),
        signal,
        onProgress: (event) => {
          if (event.type === "start") status.update(`Installing ${event.index + 1}/${event.total} ${event.source}`);
          if (event.type === "bytes") {
            status.update(
              `Copying ${event.source} ` +
                formatByteProgress({ done: event.copied, total: event.size, elapsedMs: Date.now() - began }),
            );
          }
        },
      }),
    );
  }
  await hasher.save();
  return { target, files, candidates, plan, applied, civitai, recovered };
}

export function uninterruptible<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  return work(new AbortController().signal);
}
