// ES module entry of uid2-rs-wasm/client: the same classes as client.js.
import client from "./client.js";

export const {
  BidstreamClient,
  SharingClient,
  PublisherClient,
  IdentityMapV3Client,
} = client;
export default client;
