import { afterEach, describe, expect, it, vi } from "vitest";
import { LineBatcher, type LogTarget } from "../../src/observability/log-destination.js";

/** Records what the batcher hands on, as the pino destination would receive it. */
function recordingTarget() {
  const writes: string[] = [];
  let flushes = 0;
  let syncFlushes = 0;
  const target: LogTarget = {
    write: (text) => writes.push(text) > 0,
    flush: (cb) => {
      flushes++;
      cb?.();
    },
    flushSync: () => void syncFlushes++,
  };
  return { target, writes, flushes: () => flushes, syncFlushes: () => syncFlushes };
}

const line = (i: number) => `{"msg":"request","i":${i}}\n`;

describe("LineBatcher", () => {
  afterEach(() => void vi.useRealTimers());

  it("hands lines on joined, once at least minLength characters are collected", () => {
    const { target, writes } = recordingTarget();
    const batcher = new LineBatcher(target, 90);
    for (let i = 0; i < 10; i++) batcher.write(line(i));
    // Each line is 24 characters: the 4th reaches 90, then the 8th.
    expect(writes).toEqual([[0, 1, 2, 3].map(line).join(""), [4, 5, 6, 7].map(line).join("")]);
    batcher.end();
    expect(writes.join("")).toBe([...Array(10).keys()].map(line).join(""));
  });

  it("writes what it holds at least every flushMs, however little", () => {
    vi.useFakeTimers();
    const { target, writes } = recordingTarget();
    const batcher = new LineBatcher(target, 4096, 1000);
    batcher.write(line(1));
    expect(writes).toEqual([]);
    vi.advanceTimersByTime(1000);
    expect(writes).toEqual([line(1)]);
    vi.advanceTimersByTime(5000);
    expect(writes).toHaveLength(1);
    batcher.end();
  });

  it("flush and flushSync hand on what is held before the target flushes", () => {
    const { target, writes, flushes, syncFlushes } = recordingTarget();
    const batcher = new LineBatcher(target);
    batcher.write(line(1));
    const done = vi.fn();
    batcher.flush(done);
    expect(writes).toEqual([line(1)]);
    expect([flushes(), done.mock.calls.length]).toEqual([1, 1]);
    batcher.write(line(2));
    batcher.flushSync();
    expect(writes).toEqual([line(1), line(2)]);
    expect(syncFlushes()).toBe(1);
    batcher.end();
  });
});
