import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A small shop's plan, version `v`, as its team would keep it in YAML. */
export function shopPlanYaml(version: string, extraEvents = ''): string {
  return `version: "${version}"
name: shop
naming: { events: Object Action, properties: snake_case }
events:
  Order Completed:
    description: A checkout finished
    owner: growth@shop.test
    properties:
      required: [order_id, revenue]
      properties:
        order_id: { type: string, pattern: "^ord_" }
        revenue: { type: number, minimum: 0 }
        currency: { type: string, enum: [EUR, USD] }
  Signed Up:
    description: An account was created
    owner: growth@shop.test
    properties:
      properties:
        plan: { type: string, enum: [free, pro] }
${extraEvents}identify:
  description: Who the user is
  owner: crm@shop.test
  traits:
    properties:
      email: { type: string, maxLength: 200 }
`;
}

/** A temporary folder holding `plan.yaml` with `text`; returns the file's path. */
export async function writePlan(text: string, dir?: string): Promise<string> {
  const d = dir ?? (await mkdtemp(join(tmpdir(), 'touchline-plan-')));
  const file = join(d, 'plan.yaml');
  await writeFile(file, text);
  return file;
}
