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

  it("lets go of settled jobs' events past the most recent ones, however many jobs run", () => {
    const hub = new JobEventHub();
    const replay = (id: string) => {
      const events: JobEvent[] = [];
      hub.subscribe(id, (e) => events.push(e))();
      return events.map((e) => e.type);
    };
    hub.publish("held", "queued");
    hub.publish("held", "finished", { status: "held" });
    hub.publish("waiting", "queued");
    for (let i = 0; i < 1000; i++) {
      hub.publish(`job-${i}`, "queued");
      hub.publish(`job-${i}`, "running");
      hub.publish(`job-${i}`, "finished", { status: "released" });
    }
    // The first settled jobs' events are gone (a late subscriber gets the final state from the store)…
    expect(replay("job-0")).toEqual([]);
    expect(replay("job-799")).toEqual([]);
    // …the most recent are kept for a subscriber who arrives just after the end…
    expect(replay("job-999")).toEqual(["queued", "running", "finished"]);
    expect(replay("job-800")).toEqual(["queued", "running", "finished"]);
    // …and jobs not yet settled (queued, or held for review) keep theirs.
    expect(replay("waiting")).toEqual(["queued"]);
    expect(replay("held")).toEqual(["queued", "finished"]);
  });
});
