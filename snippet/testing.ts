// Not shipped: the pure functions of the snippet, bundled by the browser tests to replay
// spec/hashing.json and spec/targeting.json in Chromium.
export { assign, bucket } from "./hash";
export { deviceOf, targeted, urlMatches } from "./targeting";
