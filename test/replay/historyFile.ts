/**
 * History fixtures as plain JSON: protobufjs' own object form (bytes base64, 64-bit ints as
 * strings), which `History.fromObject` reads back exactly. (The SDK's historyToJSON fails in
 * this install: two protobufjs copies disagree on `Type`.)
 */
import { temporal } from '@temporalio/proto';

type History = temporal.api.history.v1.IHistory;
const H = temporal.api.history.v1.History;

export const historyToObject = (h: History): unknown => H.toObject(H.fromObject(h), { longs: String, bytes: String, defaults: false });
export const historyFromObject = (o: unknown): temporal.api.history.v1.History => H.fromObject(o as Record<string, unknown>);
