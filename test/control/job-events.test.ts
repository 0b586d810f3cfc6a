import { describe, expect, it } from "vitest";
import { type JobEvent, JobEventHub } from "../../control/jobs/job-events.ts";

describe("job event hub", () => {
  it("replays past events after Last-Event-ID, then streams live ones", () => {
    const hub = new JobEventHub();
    hub.publish("j1", "queued");
    hub.publish("j1", "running");
    const seen: JobEvent[] = [];
    const stop = hub.subscribe("j1", (e) => seen.push(e), 1);
    hub.publish("j1", "finished", { status: "released" });
    stop();
    hub.publish("j1", "gate");
    expect(seen.map((e) => [e.seq, e.type])).toEqual([
      [2, "running"],
      [3, "finished"],
    ]);
  });

  it("keeps a bounded number of jobs, dropping the longest idle unwatched ones", () => {
    const hub = new JobEventHub();
    const watched: JobEvent[] = [];
    hub.subscribe("watched", (e) => watched.push(e));
    hub.publish("watched", "queued");
    for (let i = 0; i < 6000; i++) hub.publish(`job-${i}`, "queued");
    const replay = (id: string) => {
      const events: JobEvent[] = [];
      hub.subscribe(id, (e) => events.push(e))();
      return events;
    };
    expect(replay("job-0")).toEqual([]);
    expect(replay("job-5999")).toHaveLength(1);
    expect(replay("watched")).toHaveLength(1);
  });
});
