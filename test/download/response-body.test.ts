import { describe, expect, it } from "vitest";
import { MAX_QUEUED_BYTES, ReaderFellBehindError, ResponseBody } from "../../src/download/response-body.js";

describe("ResponseBody", () => {
  it("drops the connection once the reader is MAX_QUEUED_BYTES behind, after handing over all it holds", async () => {
    const body = new ResponseBody();
    const aborted: Error[] = [];
    body.attach((reason) => aborted.push(reason));
    const chunk = Buffer.alloc(MAX_QUEUED_BYTES / 4, 1);
    for (let i = 0; i < 5; i++) body.push(chunk); // the fifth goes over; nothing reads meanwhile
    body.push(chunk); // arrives after the abort: not queued
    expect(aborted).toHaveLength(1);
    let received = 0;
    const error = await (async () => {
      for await (const piece of body) received += piece.length;
    })().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ReaderFellBehindError);
    expect(received).toBe(5 * chunk.length);
  });

  it("closes the connection when the reader stops early, and not when the body had ended", async () => {
    const early = new ResponseBody();
    const aborts: string[] = [];
    early.attach(() => aborts.push("early"));
    early.push(Buffer.from("abc"));
    for await (const _ of early) break;
    const ended = new ResponseBody();
    ended.attach(() => aborts.push("ended"));
    ended.push(Buffer.from("abc"));
    ended.end();
    for await (const _ of ended) void _;
    await ended.dump();
    expect(aborts).toEqual(["early"]);
  });
});
