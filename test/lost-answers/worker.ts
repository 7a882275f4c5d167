// Entry of the test Worker beside it: the project's app, with a controller and a location tier that can
// lose their answers: they take a call's counts, then fail it ("Network connection lost."), as when the
// answer is lost on the way back or the object is reset after doing the work; the controller counts the
// reports that reach it straight from isolates, not through the tier. /test/* drives and reads them.
import type { CounterFlush, Flag } from "../../shared/schemas";
import { DeploymentController } from "../../worker/controller/object";
import { controller } from "../../worker/controller/stub";
import type { Env } from "../../worker/env";
import app from "../../worker/index";
import type { TierAnswer } from "../../worker/tier/link";
import { LocationTier } from "../../worker/tier/object";
import { locationTier } from "../../worker/tier/stub";

/** Fails the next `n` calls that carry counts once they are taken; `hang` of them never answer at all. */
class Loss {
  n = 0;
  hang = 0;
  async after<T>(batches: CounterFlush[], answer: T): Promise<T> {
    if (batches.length > 0 && this.hang > 0) {
      this.hang--;
      await new Promise(() => {});
    }
    if (this.n === 0 || batches.length === 0) return answer;
    this.n--;
    throw new Error("Network connection lost.");
  }
}

export class LossyController extends DeploymentController {
  private readonly loss = new Loss();
  /** reports straight from router isolates: none while they have a tier (LOCATION_TIER, the default). */
  private direct = 0;

  loseAnswers(n: number, hang = 0): void {
    this.loss.n = n;
    this.loss.hang = hang;
  }

  directReports(): number {
    return this.direct;
  }

  override async report(batches: CounterFlush[]): Promise<void> {
    this.direct++;
    return super.report(batches);
  }

  override async exchange(batches: CounterFlush[], location: string): Promise<Flag> {
    return this.loss.after(batches, await super.exchange(batches, location));
  }
}

export class LossyTier extends LocationTier {
  private readonly loss = new Loss();

  loseAnswers(n: number): void {
    this.loss.n = n;
  }

  override async sync(batches: CounterFlush[], location: string): Promise<TierAnswer> {
    return this.loss.after(batches, await super.sync(batches, location));
  }
}

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const { pathname } = new URL(request.url);
    if (!pathname.startsWith("/test/")) return app.fetch(request, env, ctx);
    // The tier of this Worker's one location (named as the router names it).
    const colo = typeof request.cf?.colo === "string" ? request.cf.colo : "local";
    const tier = locationTier(env, colo) as unknown as DurableObjectStub<LossyTier> | null;
    const ctl = controller(env) as unknown as DurableObjectStub<LossyController>;
    if (!tier) return Response.json({ error: "no tier" }, { status: 500 });
    if (request.method === "POST" && pathname === "/test/lose") {
      const n = (await request.json()) as { tier: number; controller: number; controllerHangs?: number };
      await Promise.all([tier.loseAnswers(n.tier), ctl.loseAnswers(n.controller, n.controllerHangs)]);
      return Response.json({ ok: true });
    }
    if (pathname === "/test/tier") return Response.json(await tier.held());
    if (pathname === "/test/controller") return Response.json({ directReports: await ctl.directReports() });
    return Response.json({ error: "not found" }, { status: 404 });
  },
};
