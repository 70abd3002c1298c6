/** Types for `dynalite` (a DynamoDB-compatible server on LevelDB, in memory by default); the package ships none. */
declare module "dynalite" {
  import type { Server } from "node:http";

  /** Options of {@link dynalite}: milliseconds tables stay in CREATING / DELETING / UPDATING, and more. */
  interface DynaliteOptions {
    createTableMs?: number;
    deleteTableMs?: number;
    updateTableMs?: number;
    maxItemSizeKb?: number;
    path?: string;
    verbose?: boolean;
  }

  /** A not yet listening HTTP server that speaks the DynamoDB JSON protocol. */
  export default function dynalite(options?: DynaliteOptions): Server;
}
