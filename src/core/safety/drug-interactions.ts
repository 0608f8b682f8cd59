/**
 * Drug–drug interactions (PRODUCT.md capability 3) among medications taken at the same time —
 * the intake list, imported medications that are current or whose periods overlap, and drugs
 * named in the proposed treatment — looked up in the medication knowledge
 * (`medication-knowledge.ts`; by default the ONC high-priority list and the extra list).
 *
 * Severity follows the source's grade for drugs taken together now: `contraindicated` and ONC
 * `high` (interruptive alert) → `blocker`, `major` and `moderate` → `warning`, `minor` → `info`.
 * A pair that was only taken together in the past (both periods known and overlapping, neither
 * current) is `info`: it may explain an earlier event but needs no action now.
 *
 * One finding per pair of ingredients, whichever listings name them (fingerprint: the two names
 * in alphabetical order), so the same pair reported by the intake and by an imported record is
 * one finding with both as evidence.
 */
import {
  fingerprintOf,
  maxSeverity,
  orderSources,
  type EvidenceSource,
  type Finding,
  type FindingSeverity,
} from './finding.ts';
import {
  compareInteractionSeverity,
  type DrugInteraction,
  type InteractionSeverity,
  type MedicationKnowledge,
} from './medication-knowledge.ts';
import { concurrency, type MedicationUse } from './medication-uses.ts';

/** How an interaction between drugs taken together now is graded. */
export function interactionFindingSeverity(severity: InteractionSeverity): FindingSeverity {
  switch (severity) {
    case 'contraindicated':
    case 'high':
      return 'blocker';
    case 'major':
    case 'moderate':
      return 'warning';
    case 'minor':
      return 'info';
  }
}

interface PairFinding {
  first: string;
  second: string;
  interactions: Map<string, DrugInteraction>;
  severity: FindingSeverity;
  now: boolean;
  proposed: boolean;
  sources: EvidenceSource[];
  labels: Set<string>;
}

function patientMessage(pair: PairFinding): string {
  if (!pair.now)
    return `In the past you took ${pair.first} and ${pair.second} at the same time. These two can affect each other. Your reviewing doctor will take this into account. You do not need to do anything.`;
  if (pair.proposed)
    return `The treatment your doctors offered includes a medicine that can affect one you take now (${pair.first} and ${pair.second}). Do not stop any medicine on your own. Your reviewing doctor will look at this. If you no longer take one of them, please tell us.`;
  return `Two of your medicines, ${pair.first} and ${pair.second}, can cause problems when taken together. Do not stop any medicine on your own. Your reviewing doctor will look at this. If you no longer take one of them, please tell us.`;
}

/** Interactions between medications of the case taken at the same time. */
export function checkDrugInteractions(
  uses: readonly MedicationUse[],
  knowledge: MedicationKnowledge,
): Finding[] {
  const pairs = new Map<string, PairFinding>();
  for (let left = 0; left < uses.length; left++) {
    for (let right = left + 1; right < uses.length; right++) {
      const a = uses[left]!;
      const b = uses[right]!;
      const when = concurrency(a, b);
      if (when === null) continue;
      for (const x of a.drugs.ingredients) {
        for (const y of b.drugs.ingredients) {
          const found = knowledge.interactions(x, y);
          if (found.length === 0) continue;
          const [first, second] = x < y ? [x, y] : [y, x];
          const key = `${first}\u0000${second}`;
          const pair = pairs.get(key) ?? {
            first,
            second,
            interactions: new Map<string, DrugInteraction>(),
            severity: 'info' as FindingSeverity,
            now: false,
            proposed: false,
            sources: [],
            labels: new Set<string>(),
          };
          for (const interaction of found) {
            pair.interactions.set(interaction.id, interaction);
            const severity =
              when === 'now' ? interactionFindingSeverity(interaction.severity) : 'info';
            pair.severity = maxSeverity(pair.severity, severity);
          }
          pair.now ||= when === 'now';
          pair.proposed ||= when === 'now' && (a.origin === 'proposed' || b.origin === 'proposed');
          pair.sources.push(a.source, b.source);
          pair.labels.add(a.label).add(b.label);
          pairs.set(key, pair);
        }
      }
    }
  }
  return [...pairs.values()].map((pair): Finding => {
    const interactions = [...pair.interactions.values()].sort(
      (left, right) =>
        compareInteractionSeverity(left.severity, right.severity) || (left.id < right.id ? -1 : 1),
    );
    const described = interactions
      .map(
        (interaction) =>
          `${interaction.id} (${interaction.severity}, ${interaction.source}): ${interaction.effect}`,
      )
      .join('; ');
    return {
      rule: 'drug_interaction',
      severity: pair.severity,
      fingerprint: fingerprintOf('drug_interaction', [pair.first, pair.second]),
      patientAction: pair.now ? 'answer' : 'none',
      patientMessage: patientMessage(pair),
      staffMessage: `${pair.first} + ${pair.second}${pair.now ? (pair.proposed ? ' (proposed with current)' : ' (both current)') : ' (overlapping in the past only)'}: ${described}. Listed as: ${[...pair.labels].sort().join('; ')}.`,
      evidence: {
        sources: orderSources(pair.sources),
        values: {
          first: pair.first,
          second: pair.second,
          interactions: interactions.map((interaction) => interaction.id).join(', '),
          sourceSeverity: interactions[0]?.severity ?? null,
          concurrency: pair.now ? 'now' : 'past',
        },
      },
    };
  });
}
