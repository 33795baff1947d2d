// The unit tier runs pure code: a unit test that opens a server belongs in tests/sandbox or tests/integration
// (docs/decisions/008-test-tiers.md). Every HTTP server listens through net.Server, so this refuses them all.
import { Server } from "node:net";

Server.prototype.listen = function refuseListen(): never {
  throw new Error("unit tests do not listen on ports: move this test to tests/sandbox/ or tests/integration/ (docs/decisions/008-test-tiers.md)");
};
