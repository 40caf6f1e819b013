/**
 * Links between channel clients. `DirectPeerLink` calls another client in the same process, with
 * every message through JSON as on the wire (tests, the bench); the HTTP link is for processes.
 */
import type { ChannelClient, PeerLink, ProposeMessage, UpdateMessage } from "./client";
import type { SignedStateJson } from "./wire";

const wire = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

export class DirectPeerLink implements PeerLink {
  constructor(private readonly peer: ChannelClient) {}

  async propose(msg: ProposeMessage): Promise<string> {
    return wire(this.peer.handlePropose(wire(msg)));
  }

  async funded(msg: { channelId: string }): Promise<void> {
    await this.peer.handleFunded(wire(msg));
  }

  async update(msg: UpdateMessage): Promise<string[]> {
    return wire(await this.peer.handleUpdate(wire(msg)));
  }

  async latest(msg: { channelId: string }): Promise<SignedStateJson> {
    return wire(this.peer.handleLatest(wire(msg)));
  }

  async claim(msg: { channelId: string; secret: string }): Promise<void> {
    await this.peer.handleClaim(wire(msg));
  }
}
