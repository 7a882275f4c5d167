import { Color } from "../../shared/schemas";
import { authorize } from "../auth/authenticate";
import type { Env } from "../env";
import { HttpError } from "../http/errors";

/** The color an authorised `x-deploy-color` preview asks for (deployer role), or null for ordinary traffic. */
export async function previewColor(request: Request, env: Env): Promise<Color | null> {
  const preview = request.headers.get("x-deploy-color");
  if (preview === null) return null;
  const refused = await authorize(request.headers.get("authorization"), env, "deployer", "x-deploy-color");
  if (refused)
    throw new HttpError(refused.status, refused.code, `x-deploy-color needs deployer credentials: ${refused.message}`);
  const parsed = Color.safeParse(preview.trim().toLowerCase());
  if (!parsed.success)
    throw new HttpError(400, "invalid_color", `x-deploy-color must be blue or green, got "${preview}"`);
  return parsed.data;
}
