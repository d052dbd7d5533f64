import { MODEL_NAMES } from '@touchline/attribution';
import { describe, expect, it } from 'vitest';
import { parseAttributeRequest } from '../../src/attribute/attribute-request.js';

// POST /admin/attribute's body: validated into an AttributeRequest with no cast, so anything the
// engine's types do not allow is refused here, with the field named.
describe('an attribute request over HTTP', () => {
  it('keeps exactly the keys sent: absent options stay absent, never undefined', () => {
    const body = { models: ['linear', { model: 'markov', order: 2, name: 'Markov 2' }], level: 'channel', params: { markov: { emptyPaths: 'redistribute' }, positionWeights: { first: 0.3, last: 0.3 } } };
    const r = parseAttributeRequest(body);
    expect(r).toEqual({ ok: true, request: body });
    expect(r.ok && Object.keys(r.request)).toEqual(['models', 'level', 'params']);
  });

  it.each([
    [{ models: ['magic'] }, `models.0: must be a model name (${MODEL_NAMES.join(', ')})`],
    [{ models: [{ model: 'linear', order: '2' }] }, 'models.0: must be a model name'],
    [{ models: [] }, 'models:'],
    [{ models: ['linear'], params: { bogus: 1 } }, 'params: Unrecognized key: "bogus"'],
    [{ models: ['linear'], params: { markov: { order: 2, evil: true } } }, 'params.markov: Unrecognized key: "evil"'],
    [{ models: ['linear'], params: { wShapedWeights: [0.5, 0.5] } }, 'params.wShapedWeights'],
    [{ models: ['linear'], params: { direct: 'sometimes' } }, 'params.direct'],
    [{ models: ['linear'], level: undefined, lookbackDays: -1 }, 'lookbackDays'],
    [{ models: ['linear'], summaries: ['top_paths', 'everything'] }, 'summaries.1'],
    [JSON.parse('{"models":["linear"],"params":{"__proto__":{"polluted":true}}}'), 'params: Unrecognized key: "__proto__"'],
    [['linear'], '(body)'],
  ])('refuses %j, naming the field', (body, message) => {
    const r = parseAttributeRequest(body);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toContain(message);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});
