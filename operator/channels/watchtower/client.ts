/** A client of the watchtower's HTTP API (what `ChannelClient.backup` hands states to). */
import { JsonApi } from "../../core/http-client";
import type { Channel, SignedState } from "../state";
import { channelToJson, signedToJson } from "../wire";

export interface TowerLink {
  /** Registers the channel's latest fully signed state; resolves with the tower's view. */
  submit(channel: Channel, signed: SignedState): Promise<unknown>;
}

export class WatchtowerApi implements TowerLink {
  private readonly api: JsonApi;

  constructor(url: string) {
    this.api = new JsonApi("watchtower", () => url);
  }

  submit(channel: Channel, signed: SignedState): Promise<unknown> {
    return this.api.post("/v1/channels", {
      channel: channelToJson(channel),
      signed: signedToJson(signed),
    });
  }

  channel(id: string): Promise<unknown> {
    return this.api.get(`/v1/channels/${id}`);
  }
}
