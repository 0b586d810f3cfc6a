import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contractDocument } from "../../gateway/contract.ts";
import { clientSchemaSource, committedClientSchema } from "../support/client-schema.ts";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway();
});

afterAll(async () => {
  await gw?.close();
});

describe("the client's types generated from the contract (client/schema.ts)", () => {
  it("are what the routes declare now: after changing a route, run `npm run gen:client`", async () => {
    // A plain equality: on a mismatch vitest prints the lines that differ.
    expect(await committedClientSchema()).toBe(await clientSchemaSource());
  });

  it("come from the same document a running gateway serves", async () => {
    const served = await (await gw.app.request("/openapi.json")).json();
    expect(await contractDocument()).toEqual(served);
  });
});
