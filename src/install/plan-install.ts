import { basename, dirname, join, resolve } from "node:path";
import { flatString } from "../model/flat-string.js";
import { SharedValues } from "../model/shared-values.js";
import { absolutePath } from "./absolute-path.js";
import { numberedName, pairsByStem, splitName } from "./file-names.js";
import { isInsideAny, isWithin, webuiRoots } from "./is-inside-webui.js";
import { LAYOUTS } from "./layouts.js";
import { namesByFolder } from "./names-by-prefix.js";
import { routeCandidate } from "./route-candidate.js";
import type { SidecarLeft, SidecarRejection } from "./sidecar-policy.js";
import { findSidecars, renameSidecar } from "./sidecars.js";
import type {
  FsSnapshot,
  InstallCandidate,
  InstallPlan,
  MoveEntry,
  PlanEntry,
  PlanOptions,
  PlanWarning,
  SidecarMove,
  SkipReason,
  WebuiTarget,
} from "./types.js";

/**
 * Upper bound on `name (N).ext` attempts. A folder holding ten thousand variants of one name is not a real library;
 * stopping there turns a pathological case into a conflict instead of an endless scan.
 */
const MAX_CONFLICT_RENAMES = 10_000;

/** A sidecar the snapshot holds no verdict for was never checked, so it does not travel. */
const UNCHECKED: SidecarRejection = { type: "unreadable", code: "unchecked" };

/**
 * Longest file name, in UTF-8 bytes, the filesystems model libraries live on accept: NAME_MAX of ext4, XFS, Btrfs
 * and tmpfs; exFAT, NTFS and APFS count 255 characters, which a name within 255 bytes never exceeds.
 */
const MAX_NAME_BYTES = 255;

/**
 * Decides, for every candidate, whether and where it is installed. Pure: everything it knows about the filesystem
 * comes from `snapshot` (see {@link gatherSnapshot}), so the same inputs always give the same plan and a dry run is
 * exactly what a real run would do.
 */
export function planInstall(
  candidates: readonly InstallCandidate[],
  target: WebuiTarget,
  options: PlanOptions,
  snapshot: FsSnapshot,
): InstallPlan {
  const candidateSources = new Set(candidates.map((c) => absolutePath(c.source)));
  /** Paths earlier entries of this plan will occupy. */
  const planned = new Set<string>();
  /** The same paths as the destination folder compares names ({@link nameKey}). */
  const plannedKeys = new Set<string>();
  /** Bytes earlier entries copy onto each device. */
  const copiedTo = new Map<number, number>();
  const claimedSidecars = new Set<string>();
  const entries: PlanEntry[] = [];
  // Every entry is kept until the plan is applied and reported: most entries' warnings, reasons and empty lists are
  // equal to another entry's, and are kept once.
  const shared = new SharedValues();
  const add = (entry: PlanEntry) => entries.push(sharedParts(entry, shared));
  // Indexes over the listings and the growing plan, so each candidate's lookups cost its own matches, not the folder.
  const namesIn = namesByFolder(snapshot.folders);
  const namesIgnoringCase = foldedNamesByFolder(snapshot);
  /** Planned paths by folder, then stem (the only ones a WebUI can pair by stem), in the order planned. */
  const plannedByStem = new Map<string, Map<string, string[]>>();
  /** Planned paths by the SHA-256 of the content landing there, in the order planned. */
  const plannedByHash = new Map<string, string[]>();
  const plan = (destination: string, from: string) => {
    if (!planned.has(destination)) {
      append(stemsIn(plannedByStem, dirname(destination)), stemOf(destination), destination);
      const hash = snapshot.hashes[from];
      if (hash) append(plannedByHash, hash, destination);
    }
    planned.add(destination);
    plannedKeys.add(nameKey(snapshot, destination));
  };

  for (const candidate of candidates) {
    const source = absolutePath(candidate.source);
    const notSorted = options.sortedDir === null ? null : outsideSortedDir(source, options.sortedDir, target, snapshot);
    if (notSorted) {
      add({ action: "skip", source, destination: null, reason: notSorted, warnings: [] });
      continue;
    }
    const route = routeCandidate(candidate, target, options);
    if (!route.ok) {
      add({ action: "skip", source, destination: null, reason: route.reason, warnings: route.warnings });
      continue;
    }
    const warnings = [...route.warnings];
    const destination = flatString(join(route.dir, route.name));
    const skip = (reason: SkipReason) => add({ action: "skip", source, destination, reason, warnings });

    if (destination === source) {
      skip({ code: "in-place" });
      continue;
    }
    // Moving a link moves the name, not the model: a relative link breaks, and the model stays where it was (often a
    // shared store the user linked on purpose). Installing the file it points to is the user's call.
    if (snapshot.folders[dirname(source)]?.[basename(source)]?.isSymlink) {
      skip({ code: "symlink" });
      continue;
    }
    const tree = snapshot.folderTrees?.[source];
    if (tree && !tree.ok) {
      skip({ code: "special-file-in-folder", path: tree.path, found: tree.found });
      continue;
    }

    const duplicate = findDuplicate(candidate, source, route.dir, snapshot, plannedByHash);
    if (duplicate) {
      skip({ code: "duplicate", of: duplicate });
      continue;
    }

    const sidecarNames = findSidecars(basename(source), candidate.classification.kind, namesIn(dirname(source)))
      .map(({ name }) => join(dirname(source), name))
      .filter((path) => !candidateSources.has(path));
    for (const path of sidecarNames.filter((p) => claimedSidecars.has(p))) {
      warnings.push({ type: "sidecar-claimed", sidecar: path });
    }
    const sidecarsLeft: SidecarLeft[] = [];
    const ownSidecars: string[] = [];
    // `x.ckpt` and `x.safetensors` side by side share `x.yaml` and `x.preview.png`: when one moves and the other
    // stays (audit quarantines the pickle and keeps the safetensors), the shared files stay with the one still used.
    const stayingTwin = namesIn(dirname(source))
      .startingWith(`${splitName(basename(source)).stem}.`)
      .map((n) => join(dirname(source), n))
      .find(
        (p) =>
          p !== source &&
          !candidateSources.has(absolutePath(p)) &&
          // Twin first: it must itself be a model file, not the checkpoint's `.yaml`.
          pairsByStem(basename(p), basename(source), candidate.classification.kind),
      );
    for (const path of sidecarNames.filter((p) => !claimedSidecars.has(p))) {
      const reason: SidecarRejection | null = stayingTwin
        ? { type: "shared", model: stayingTwin }
        : Object.hasOwn(snapshot.sidecars, path)
          ? snapshot.sidecars[path]!
          : UNCHECKED;
      if (reason) sidecarsLeft.push({ path, reason });
      else ownSidecars.push(path);
    }
    if (options.strict && sidecarsLeft.length > 0) {
      add({
        action: "skip",
        source,
        destination,
        reason: { code: "sidecar-refused", sidecars: sidecarsLeft.length },
        sidecarsLeft,
        warnings,
      });
      continue;
    }

    const occupied = (path: string) =>
      path !== source &&
      (plannedKeys.has(nameKey(snapshot, path)) ||
        isListed(snapshot, path) ||
        isListedIgnoringCase(snapshot, namesIgnoringCase, path, source));
    const placement = (name: string) => ({
      destination: flatString(join(route.dir, name)),
      sidecars: ownSidecars
        .map(
          (s): SidecarMove => ({
            source: s,
            destination: flatString(join(route.dir, renameSidecar(basename(s), basename(source), name))),
            ...(snapshot.sidecarIdentities?.[s] ? { identity: snapshot.sidecarIdentities[s] } : {}),
          }),
        )
        // Renaming a model in its own folder (extension fix) leaves a sidecar whose name does not change.
        .filter((s) => s.destination !== s.source),
    });
    // A different file the WebUI would pair with the model by stem is as much in the way as one with its very name.
    const groupSources = new Set([source, ...ownSidecars]);
    const stemTaken = (destination: string) =>
      [
        ...namesIn(route.dir)
          .startingWith(`${splitName(basename(destination)).stem}.`)
          .map((n) => join(route.dir, n)),
        ...(plannedByStem.get(dirname(destination))?.get(stemOf(destination)) ?? []),
      ].find(
        (p) => !groupSources.has(p) && pairsByStem(basename(destination), basename(p), candidate.classification.kind),
      ) ?? null;
    const firstOccupied = (p: ReturnType<typeof placement>) =>
      [p.destination, ...p.sidecars.map((s) => s.destination)].find(occupied) ?? stemTaken(p.destination);

    let chosen = placement(route.name);
    const existing = firstOccupied(chosen);
    if (existing) {
      if (options.onConflict === "skip") {
        skip({ code: "conflict", existing });
        continue;
      }
      const renamed = options.onConflict === "rename" ? findFreeName(route.name, placement, firstOccupied) : null;
      if (!renamed) {
        add({ action: "conflict", source, destination, existing, warnings });
        continue;
      }
      chosen = renamed;
      warnings.push({ type: "conflict-renamed", existing, installedAs: basename(chosen.destination) });
    }

    const unfit = checkFit(chosen, candidate, route.dir, options, snapshot, copiedTo);
    if (unfit) {
      add({ action: "skip", source, destination: chosen.destination, reason: unfit.reason, warnings });
      continue;
    }
    if (needsCopy(candidate, route.dir, options, snapshot)) {
      const dev = snapshot.targets![route.dir]!.dev;
      copiedTo.set(dev, (copiedTo.get(dev) ?? 0) + groupBytes(chosen, candidate, snapshot));
    }

    const entry: MoveEntry = {
      action: "move",
      source,
      destination: chosen.destination,
      size: candidate.size,
      kind: candidate.classification.kind,
      base: candidate.classification.base,
      renamed: { extension: route.extensionFixed, conflictWith: existing },
      sidecars: chosen.sidecars,
      sidecarsLeft,
      sha256: snapshot.hashes[source] ?? null,
      ...(candidate.identity ? { identity: candidate.identity } : {}),
      warnings,
      ...(route.notLoaded ? { notLoaded: route.notLoaded } : {}),
    };
    add(entry);
    plan(entry.destination, source);
    for (const s of entry.sidecars) {
      plan(s.destination, s.source);
      claimedSidecars.add(s.source);
    }
  }

  const moves = entries.filter((e): e is MoveEntry => e.action === "move");
  const warnings: PlanWarning[] =
    options.lycorisDir && !LAYOUTS[target.ui].lora.lycoris ? [{ type: "lycoris-dir-ignored", ui: target.ui }] : [];
  return {
    target,
    options,
    entries,
    warnings,
    summary: {
      move: moves.length,
      skip: entries.filter((e) => e.action === "skip").length,
      conflict: entries.filter((e) => e.action === "conflict").length,
      bytes: moves.reduce((sum, e) => sum + e.size, 0),
    },
  };
}

/** `entry` with its parts that entries often have alike (warnings, reasons, empty lists) as one shared copy each. */
function sharedParts(entry: PlanEntry, shared: SharedValues): PlanEntry {
  entry.warnings = shared.value(entry.warnings);
  if (entry.action === "skip") {
    entry.reason = shared.value(entry.reason);
    if (entry.sidecarsLeft) entry.sidecarsLeft = shared.value(entry.sidecarsLeft);
  }
  if (entry.action === "move") {
    entry.renamed = shared.value(entry.renamed);
    entry.sidecars = shared.value(entry.sidecars);
    entry.sidecarsLeft = shared.value(entry.sidecarsLeft);
    if (entry.notLoaded) entry.notLoaded = shared.value(entry.notLoaded);
  }
  return entry;
}

/**
 * Why `sort` must not move `source`, judged by real paths (links resolved), or null. A path that cannot be resolved
 * counts as outside: nothing is moved on a guess.
 */
function outsideSortedDir(
  source: string,
  sortedDir: string,
  target: WebuiTarget,
  snapshot: FsSnapshot,
): SkipReason | null {
  const real = snapshot.realPaths[source];
  const roots = webuiRoots(target).flatMap((root) => snapshot.realPaths[root] ?? []);
  if (real !== undefined && isInsideAny(real, roots)) return { code: "inside-webui", realPath: real };
  const realSorted = snapshot.realPaths[resolve(sortedDir)];
  if (real === undefined || realSorted === undefined || !isWithin(real, realSorted)) {
    return { code: "outside-sorted-folder", realPath: real ?? null, sortedDir };
  }
  return null;
}

function findFreeName<P>(
  name: string,
  placement: (name: string) => P,
  firstOccupied: (p: P) => string | null,
): P | null {
  for (let n = 2; n <= MAX_CONFLICT_RENAMES; n++) {
    const candidate = placement(numberedName(name, n));
    if (!firstOccupied(candidate)) return candidate;
  }
  return null;
}

/**
 * Same size and same SHA-256 as a file already in the destination folder, or as a file an earlier entry installs
 * there (`plannedByHash`: planned paths by the hash of what lands there). Same name with a different hash is a
 * conflict, never a duplicate.
 */
function findDuplicate(
  candidate: InstallCandidate,
  source: string,
  dir: string,
  snapshot: FsSnapshot,
  plannedByHash: ReadonlyMap<string, readonly string[]>,
): string | null {
  const hash = snapshot.hashes[source];
  if (!hash) return null;
  const listing = snapshot.folders[dir];
  for (const [name, entry] of Object.entries(listing ?? {})) {
    const path = join(dir, name);
    if (path !== source && entry.isFile && entry.size === candidate.size && snapshot.hashes[path] === hash) return path;
  }
  return plannedByHash.get(hash)?.find((destination) => dirname(destination) === dir) ?? null;
}

/**
 * Whether the chosen placement can work as planned; null when it can. Everything a real run would fail on that is
 * knowable now: a name too long for the filesystem, a folder that cannot be written, a copy larger than the space
 * left after the copies planned before it.
 */
function checkFit(
  chosen: { destination: string; sidecars: readonly SidecarMove[] },
  candidate: InstallCandidate,
  dir: string,
  options: PlanOptions,
  snapshot: FsSnapshot,
  copiedTo: ReadonlyMap<number, number>,
): { reason: SkipReason } | null {
  const tooLong = [chosen.destination, ...chosen.sidecars.map((s) => s.destination)].find(
    (p) => Buffer.byteLength(basename(p)) > MAX_NAME_BYTES,
  );
  if (tooLong) {
    return {
      reason: {
        code: "name-too-long",
        name: basename(tooLong),
        bytes: Buffer.byteLength(basename(tooLong)),
        limit: MAX_NAME_BYTES,
      },
    };
  }
  const facts = snapshot.targets?.[dir];
  if (!facts) return null;
  if (!facts.writable) return { reason: { code: "not-writable", dir } };
  if (facts.freeBytes !== null && needsCopy(candidate, dir, options, snapshot)) {
    const needed = groupBytes(chosen, candidate, snapshot);
    const free = facts.freeBytes - (copiedTo.get(facts.dev) ?? 0);
    if (needed > free) return { reason: { code: "no-space", needed, free: Math.max(0, free) } };
  }
  return null;
}

/** The file is copied, not renamed: `--copy`, or its source is on another device than the folder. */
function needsCopy(candidate: InstallCandidate, dir: string, options: PlanOptions, snapshot: FsSnapshot): boolean {
  const facts = snapshot.targets?.[dir];
  if (!facts) return false;
  return options.copy || (candidate.identity !== undefined && candidate.identity.dev !== facts.dev);
}

/** Bytes the group writes when copied: the file (a folder: its tree as walked while planning) and its sidecars. */
function groupBytes(
  chosen: { sidecars: readonly SidecarMove[] },
  candidate: InstallCandidate,
  snapshot: FsSnapshot,
): number {
  const tree = snapshot.folderTrees?.[absolutePath(candidate.source)];
  return chosen.sidecars.reduce(
    (sum, s) => sum + (snapshot.folders[dirname(s.source)]?.[basename(s.source)]?.size ?? 0),
    tree?.ok ? tree.bytes : candidate.size,
  );
}

/** How the destination folder tells names apart: folded where it ignores case (NFC, lower case), else exact. */
function nameKey(snapshot: FsSnapshot, path: string): string {
  return snapshot.targets?.[dirname(path)]?.caseInsensitive
    ? join(dirname(path), basename(path).normalize("NFC").toLowerCase())
    : path;
}

/** A listed name other than the source itself that is the same name to a case-insensitive folder. */
function isListedIgnoringCase(
  snapshot: FsSnapshot,
  namesIgnoringCase: (dir: string) => ReadonlyMap<string, readonly string[]>,
  path: string,
  source: string,
): boolean {
  const dir = dirname(path);
  if (!snapshot.targets?.[dir]?.caseInsensitive) return false;
  return (namesIgnoringCase(dir).get(nameKey(snapshot, path)) ?? []).some((name) => join(dir, name) !== source);
}

/** Each listed folder's names by {@link nameKey}, built the first time a folder is asked for. */
function foldedNamesByFolder(snapshot: FsSnapshot): (dir: string) => ReadonlyMap<string, readonly string[]> {
  const indexed = new Map<string, Map<string, string[]>>();
  return (dir) => {
    let byKey = indexed.get(dir);
    if (byKey === undefined) {
      byKey = new Map();
      for (const name of Object.keys(snapshot.folders[dir] ?? {}))
        append(byKey, nameKey(snapshot, join(dir, name)), name);
      indexed.set(dir, byKey);
    }
    return byKey;
  };
}

/**
 * The stem of a path's name: the files a WebUI pairs by stem share it ({@link pairsByStem}). A slice of the path, so
 * keeping it costs no copy of the name.
 */
function stemOf(path: string): string {
  return splitName(basename(path)).stem;
}

/** The stems planned in `dir`, made the first time `dir` is planned into. */
function stemsIn(byDir: Map<string, Map<string, string[]>>, dir: string): Map<string, string[]> {
  let stems = byDir.get(dir);
  if (stems === undefined) {
    stems = new Map();
    byDir.set(dir, stems);
  }
  return stems;
}

function append<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function isListed(snapshot: FsSnapshot, path: string): boolean {
  const listing = snapshot.folders[dirname(path)];
  return listing != null && Object.hasOwn(listing, basename(path));
}
