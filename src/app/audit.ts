/**
 * `sdmodels audit`: inspect every file in a WebUI's model folders (header-only), report what is wrong, and with
 * `fix` turn the findings into one plan through the same planner, applier and journal as install/sort.
 */
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import type { PoolOptions } from "../inspect/inspect-pool.js";
import { applyPlan, defaultJournalDir, gatherSnapshot, planInstall } from "../install/index.js";
import { newBatchId } from "../install/journal.js";
import {
  type ApplyReport,
  DEFAULT_PLAN_OPTIONS,
  type InstallCandidate,
  type InstallPlan,
  type PlanOptions,
  type WebuiTarget,
} from "../install/types.js";
import {
  type AuditedFile,
  type AuditFinding,
  auditFindings,
  fixCandidates,
  type ModelFolder,
  modelFolders,
} from "./audit-findings.js";
import { auditPaths } from "./audit-paths.js";
import { type InspectedCandidate, inspectCandidates } from "./inspect-candidates.js";
import { uninterruptible } from "./install-pipeline.js";
import { type QuarantineProblem, quarantineProblem } from "./quarantine-folder.js";

/** SHA-256 through the hash cache: what the CLI's file hasher offers. */
export interface Sha256Source {
  hash(path: string): Promise<{ sha256: string }>;
  /** Writes the cache; called once at the end. */
  save(): Promise<void>;
}

/** The `--fix` batch: the same shape install and sort report, without the Civitai and target parts. */
export interface AuditFix {
  files: InspectedCandidate[];
  candidates: InstallCandidate[];
  plan: InstallPlan;
  applied: ApplyReport | null;
}

export interface AuditSettings {
  hasher: Sha256Source;
  /** Progress text, shown on a terminal only. */
  onStatus?: (text: string) => void;
  /** Build (and unless `dryRun`, apply) the plan that heals what was found. */
  fix: boolean;
  /** With `fix`: suspicious files go to the quarantine too (by default they are only reported). */
  quarantineSuspicious?: boolean;
  dryRun: boolean;
  /**
   * Runs the apply step with the signal that stops it at a safe point (the CLI turns SIGINT/SIGTERM into it), as
   * for install and sort. Without it, applying cannot be interrupted.
   */
  interruptible?: <T>(work: (signal: AbortSignal) => Promise<T>) => Promise<T>;
  /** Keep each file's shown header metadata (see `keptMetadata`): only an HTML report shows it. */
  keepMetadata: boolean;
  /** Most threads inspecting at once (`--jobs`); default one per core. */
  jobs?: PoolOptions["jobs"];
}

export interface AuditOutcome {
  target: WebuiTarget;
  /** Model folders of the UI that exist, each walked. */
  folders: ModelFolder[];
  files: InspectedCandidate[];
  findings: AuditFinding[];
  /** Where `--fix` puts quarantined files: `<webui>/.sdmodels/quarantine/<id>`. */
  quarantineDir: string | null;
  /** Why `--fix` moved nothing: the quarantine folder is not a folder or leads into a model folder. */
  quarantineProblem: QuarantineProblem | null;
  /** The fix, as install/sort report it; null without `fix`. */
  fix: AuditFix | null;
}

export async function auditWebui(target: WebuiTarget, settings: AuditSettings): Promise<AuditOutcome> {
  const status = settings.onStatus ?? (() => undefined);
  const folders = (await Promise.all(modelFolders(target).map(async (f) => ((await isDir(f.path)) ? f : null)))).filter(
    (f) => f !== null,
  );

  const { paths, otherNames } = await auditPaths(
    folders.map((f) => f.path),
    (folder) => status(`Walking ${folder}`),
  );
  const inspected = await inspectCandidates(
    paths,
    (index, total, path) => status(`Inspecting ${index + 1}/${total} ${path}`),
    { keepMetadata: settings.keepMetadata, jobs: settings.jobs },
  );
  const files = withDangerousNames(inspected, otherNames);
  const audited: AuditedFile[] = files.map((f) => ({ candidate: f.candidate, reasons: f.inspection.safety.reasons }));
  const hashes = await hashSameSize(files, settings.hasher, status);
  const listings = await listFolders(folders.map((f) => f.path));
  const findings = auditFindings({ target, files: audited, hashes, listings });

  let fix: AuditFix | null = null;
  let quarantineDir: string | null = null;
  let problem: QuarantineProblem | null = null;
  if (settings.fix) {
    // Named after the batch that fills it, so `undo --list` tells which quarantine folder is whose.
    const batchId = newBatchId();
    quarantineDir = join(target.root, ".sdmodels", "quarantine", batchId);
    const candidates = fixCandidates(findings, audited, target, quarantineDir, {
      quarantineSuspicious: settings.quarantineSuspicious === true,
    });
    const options: PlanOptions = { ...DEFAULT_PLAN_OPTIONS, dryRun: settings.dryRun };
    status("Planning…");
    const snapshot = await gatherSnapshot(candidates, target, options, {
      sha256: async (path) => hashes[path] ?? (await settings.hasher.hash(path)).sha256,
    });
    const plan = planInstall(candidates, target, options, snapshot);
    problem = await quarantineProblem(
      quarantineDir,
      folders.map((f) => f.path),
    );
    const applied =
      !options.dryRun && plan.summary.conflict === 0 && problem === null
        ? await (settings.interruptible ?? uninterruptible)((signal) =>
            applyPlan(plan, {
              journalDir: defaultJournalDir(target),
              batchId,
              onProgress: (e) => e.type === "start" && status(`Moving ${e.index + 1}/${e.total} ${e.source}`),
              signal,
            }),
          )
        : null;
    const bySource = new Map(files.map((f) => [f.candidate.source, f]));
    fix = {
      files: candidates.map((c) => bySource.get(c.source)).filter((f) => f !== undefined),
      candidates,
      plan,
      applied,
    };
  }
  await settings.hasher.save();
  return { target, folders, files, findings, quarantineDir, quarantineProblem: problem, fix };
}

/**
 * Each dangerous file once more under each of its other hard-linked names: every name is a file the UI loads, so each
 * is reported and quarantined. Other files keep one name, so a file is never called a duplicate of itself. The other
 * names carry no identity: moving the first name changes the ctime they share, so they would all be skipped as
 * changed; whatever a name holds by then, quarantine only takes it out of the UI's sight, and journals it for undo.
 */
function withDangerousNames(
  files: readonly InspectedCandidate[],
  otherNames: Readonly<Record<string, readonly string[]>>,
): InspectedCandidate[] {
  return files.flatMap((f) =>
    f.candidate.verdict === "dangerous" && f.candidate.error === null
      ? [
          f,
          ...(otherNames[f.candidate.source] ?? []).map((source) => ({
            ...f,
            candidate: { ...f.candidate, source, identity: undefined },
          })),
        ]
      : [f],
  );
}

/** Only files that share a size with another can be duplicates; only those are hashed (through the hash cache). */
async function hashSameSize(
  files: readonly InspectedCandidate[],
  hasher: Sha256Source,
  status: (text: string) => void,
): Promise<Record<string, string>> {
  const bySize = new Map<number, string[]>();
  for (const { candidate } of files) {
    if (candidate.error || candidate.size === 0 || candidate.format === "diffusers") continue;
    bySize.set(candidate.size, [...(bySize.get(candidate.size) ?? []), candidate.source]);
  }
  const hashes: Record<string, string> = {};
  for (const group of bySize.values()) {
    if (group.length < 2) continue;
    for (const path of group) {
      status(`Hashing ${path}`);
      hashes[path] = (await hasher.hash(path)).sha256.toLowerCase();
    }
  }
  return hashes;
}

/** Names in every folder below the model folders (hidden ones skipped), for finding sidecars whose model is gone. */
async function listFolders(roots: readonly string[]): Promise<Record<string, string[]>> {
  const listings: Record<string, string[]> = {};
  for (const root of roots) {
    const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      // Links count: a model shared by linking each file is as present as a regular one, and so is its preview.
      if (!(entry.isFile() || entry.isSymbolicLink()) || entry.name.startsWith(".")) continue;
      const dir = entry.parentPath;
      if (
        dir
          .slice(root.length)
          .split(/[/\\]/)
          .some((segment) => segment.startsWith("."))
      )
        continue;
      const names = listings[dir] ?? [];
      names.push(entry.name);
      listings[dir] = names;
    }
  }
  for (const dir of Object.keys(listings)) listings[dir] = [...new Set(listings[dir])].sort();
  return listings;
}

async function isDir(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}
