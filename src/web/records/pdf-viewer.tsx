/**
 * The PDF viewer (PRODUCT.md capability 2, "in-browser PDF viewing"): one page at a time drawn by
 * pdf.js to a canvas, with pdf.js's text layer over it so text can be selected and searched; page
 * navigation (buttons, page number, keyboard), zoom (fit to width or a fixed size) and search
 * across all pages with every match highlighted and a "3 of 12" count.
 *
 * Safety: the PDF is parsed in pdf.js's worker; nothing from it becomes HTML except the text
 * layer's positioned text runs (set as text, never as markup), and highlighting only splits those
 * runs with text nodes. No annotation layer is built (no links, no form fields), XFA is off and
 * PDF scripts never run: pdf.js 6 has no eval path, and its scripting sandbox is only loaded by
 * its full viewer application, which is not used here. The worker and the image decoders (JBIG2,
 * JPEG 2000, as WebAssembly) are bundled files served by the app itself.
 */
import {
  ActionIcon,
  Alert,
  Button,
  Group,
  Loader,
  NumberInput,
  Paper,
  Select,
  Stack,
  Text,
  TextInput,
  VisuallyHidden,
} from '@mantine/core';
import {
  AnnotationMode,
  getDocument,
  GlobalWorkerOptions,
  PixelsPerInch,
  TextLayer,
  type PDFDocumentProxy,
  type RenderTask,
} from 'pdfjs-dist';
import jbig2WasmUrl from 'pdfjs-dist/wasm/jbig2.wasm?url';
import openjpegWasmUrl from 'pdfjs-dist/wasm/openjpeg.wasm?url';
import workerUrl from 'pdfjs-dist/build/pdf.worker.min.mjs?url';
import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import {
  findInPage,
  pageTextOf,
  piecesOfRun,
  queryPattern,
  type PageMatch,
  type PageText,
} from './pdf-text-search.ts';
import './records-viewers.css';

GlobalWorkerOptions.workerSrc = workerUrl;

/** The WebAssembly decoders pdf.js asks for by file name, bundled with the app. */
const bundledWasm: Record<string, string> = {
  'jbig2.wasm': jbig2WasmUrl,
  'openjpeg.wasm': openjpegWasmUrl,
};

/**
 * Hands pdf.js the bundled decoders when its worker asks the page for binary data (used with
 * `useWorkerFetch: false`). Fonts and CMaps are not bundled: pdf.js then uses the system's fonts.
 */
class BundledDataFactory {
  async fetch({ kind, filename }: { kind: string; filename: string }): Promise<Uint8Array> {
    const url = kind === 'wasmUrl' ? bundledWasm[filename] : undefined;
    if (url === undefined) throw new Error(`Not bundled: ${kind} ${filename}`);
    const response = await fetch(url);
    if (!response.ok) throw new Error(`Could not load ${filename}`);
    return new Uint8Array(await response.arrayBuffer());
  }
}

/** Fixed zoom steps (1 = the page's printed size). */
const zoomSteps = [0.5, 0.75, 1, 1.25, 1.5, 2, 3] as const;

type Zoom = 'fit' | number;

/** Canvas area above which the pixel ratio is lowered (browsers refuse larger canvases). */
const maxCanvasPixels = 16_000_000;

type LoadProblem = 'encrypted' | 'corrupt' | 'failed';

function problemOf(error: unknown): LoadProblem {
  if (error instanceof Error) {
    if (error.name === 'PasswordException') return 'encrypted';
    if (error.name === 'InvalidPDFException') return 'corrupt';
  }
  return 'failed';
}

interface SearchHit {
  /** 1-based page number. */
  page: number;
  /** Index of the match among the page's matches. */
  index: number;
}

interface SearchState {
  query: string;
  /** Matches per page (1-based page number); pages without matches are absent. */
  byPage: Map<number, PageMatch[]>;
  hits: SearchHit[];
}

const emptySearch: SearchState = { query: '', byPage: new Map(), hits: [] };

/** Rewrites the text layer's runs with highlighted pieces (text nodes only, never markup). */
function paintMatches(
  layer: TextLayer,
  matches: readonly PageMatch[],
  selected: number | null,
): HTMLElement | null {
  const runs = layer.textDivs;
  const strings = layer.textContentItemsStr;
  const touched = new Set<number>();
  for (const match of matches) for (const range of match.ranges) touched.add(range.item);
  let selectedElement: HTMLElement | null = null;
  runs.forEach((run, item) => {
    const text = strings[item] ?? '';
    if (!touched.has(item)) {
      if (run.dataset.painted === 'true') {
        run.textContent = text;
        delete run.dataset.painted;
      }
      return;
    }
    const nodes = piecesOfRun(text, item, matches).map((piece) => {
      if (piece.match === null) return document.createTextNode(piece.text);
      const mark = document.createElement('span');
      mark.className = piece.match === selected ? 'pdf-highlight selected' : 'pdf-highlight';
      mark.textContent = piece.text;
      if (piece.match === selected) selectedElement ??= mark;
      return mark;
    });
    run.replaceChildren(...nodes);
    run.dataset.painted = 'true';
  });
  return selectedElement;
}

export interface PdfViewerProps {
  /** The PDF's bytes (not modified: pdf.js is given a copy). */
  data: ArrayBuffer;
  /** The document's name, for labels. */
  title: string;
}

export function PdfViewer({ data, title }: PdfViewerProps) {
  const { t } = useTranslation();
  const regionId = useId();
  const [pdf, setPdf] = useState<PDFDocumentProxy | null>(null);
  const [problem, setProblem] = useState<LoadProblem | null>(null);
  const [pageNumber, setPageNumber] = useState(1);
  /** What is typed in the page box, until it is applied. */
  const [pageDraft, setPageDraft] = useState<string | number | null>(null);
  const [zoom, setZoom] = useState<Zoom>('fit');
  const [effectiveZoom, setEffectiveZoom] = useState(1);
  /** The page and size last drawn completely (to tell when drawing is under way). */
  const [drawn, setDrawn] = useState('');
  const [containerWidth, setContainerWidth] = useState(0);
  const [query, setQuery] = useState('');
  const [search, setSearch] = useState<SearchState>(emptySearch);
  const [current, setCurrent] = useState(0);
  const [layer, setLayer] = useState<TextLayer | null>(null);
  const scrollRef = useRef<HTMLDivElement>(null);
  const pageRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const textRef = useRef<HTMLDivElement>(null);
  const searchRef = useRef<HTMLInputElement>(null);
  const textCache = useRef(new Map<number, PageText>());

  const pageCount = pdf?.numPages ?? 0;

  // Load the document; pdf.js takes ownership of the bytes it is given, hence the copy.
  useEffect(() => {
    const task = getDocument({
      data: new Uint8Array(data.slice(0)),
      enableXfa: false,
      useWorkerFetch: false,
      BinaryDataFactory: BundledDataFactory,
    });
    let live = true;
    task.promise.then(
      (loaded) => {
        if (!live) return;
        textCache.current = new Map();
        setPdf(loaded);
      },
      (error: unknown) => {
        if (live) setProblem(problemOf(error));
      },
    );
    return () => {
      live = false;
      void task.destroy();
    };
  }, [data]);

  useEffect(() => {
    const element = scrollRef.current;
    if (element === null) return;
    const observer = new ResizeObserver((entries) => {
      const width = entries[0]?.contentRect.width ?? 0;
      setContainerWidth(Math.floor(width));
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, [pdf]);

  // Draw the page and its text layer.
  useEffect(() => {
    const canvas = canvasRef.current;
    const textContainer = textRef.current;
    const pageElement = pageRef.current;
    if (pdf === null || canvas === null || textContainer === null || pageElement === null) return;
    if (zoom === 'fit' && containerWidth === 0) return;
    let cancelled = false;
    let renderTask: RenderTask | null = null;
    let textLayer: TextLayer | null = null;
    const key = `${String(pageNumber)}|${String(zoom)}|${String(containerWidth)}`;
    void (async () => {
      try {
        const page = await pdf.getPage(pageNumber);
        if (cancelled) return;
        const printed = page.getViewport({ scale: 1 });
        const fitZoom =
          Math.max(containerWidth - 16, 100) / (printed.width * PixelsPerInch.PDF_TO_CSS_UNITS);
        const chosen = zoom === 'fit' ? fitZoom : zoom;
        setEffectiveZoom(chosen);
        const viewport = page.getViewport({ scale: chosen * PixelsPerInch.PDF_TO_CSS_UNITS });
        const wanted = window.devicePixelRatio || 1;
        const ratio = Math.min(
          wanted,
          Math.sqrt(maxCanvasPixels / Math.max(viewport.width * viewport.height, 1)),
        );
        canvas.width = Math.floor(viewport.width * ratio);
        canvas.height = Math.floor(viewport.height * ratio);
        canvas.style.width = `${Math.floor(viewport.width)}px`;
        canvas.style.height = `${Math.floor(viewport.height)}px`;
        pageElement.style.width = `${Math.floor(viewport.width)}px`;
        pageElement.style.height = `${Math.floor(viewport.height)}px`;
        pageElement.style.setProperty('--total-scale-factor', String(viewport.scale));
        renderTask = page.render({
          canvas,
          viewport,
          transform: ratio === 1 ? undefined : [ratio, 0, 0, ratio, 0, 0],
          annotationMode: AnnotationMode.ENABLE,
        });
        textContainer.replaceChildren();
        const content = await page.getTextContent();
        if (cancelled) return;
        textCache.current.set(pageNumber, pageTextOf(content.items));
        textLayer = new TextLayer({
          textContentSource: content,
          container: textContainer,
          viewport,
        });
        await Promise.all([renderTask.promise, textLayer.render()]);
        if (cancelled) return;
        setLayer(textLayer);
        setDrawn(key);
      } catch (error) {
        if (cancelled) return;
        if (error instanceof Error && error.name === 'RenderingCancelledException') return;
        setProblem(problemOf(error));
      }
    })();
    return () => {
      cancelled = true;
      renderTask?.cancel();
      textLayer?.cancel();
      setLayer(null);
    };
  }, [pdf, pageNumber, zoom, containerWidth]);

  // Search every page (text runs are cached per page), a moment after typing stops.
  useEffect(() => {
    if (pdf === null) return;
    const pattern = queryPattern(query);
    if (pattern === null) return;
    let cancelled = false;
    const timer = setTimeout(() => {
      void (async () => {
        const byPage = new Map<number, PageMatch[]>();
        const hits: SearchHit[] = [];
        for (let number = 1; number <= pdf.numPages; number += 1) {
          let text = textCache.current.get(number);
          if (text === undefined) {
            const page = await pdf.getPage(number);
            text = pageTextOf((await page.getTextContent()).items);
            textCache.current.set(number, text);
          }
          if (cancelled) return;
          const matches = findInPage(text, pattern);
          if (matches.length > 0) byPage.set(number, matches);
          matches.forEach((_, index) => hits.push({ page: number, index }));
        }
        setSearch({ query, byPage, hits });
        setCurrent(0);
        const first = hits[0];
        if (first !== undefined) setPageNumber(first.page);
      })();
    }, 250);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [pdf, query]);

  const searching = query.trim() !== '' && search.query !== query;
  const shown = query.trim() === '' ? emptySearch : search;

  // Highlight the matches of the page on screen; bring the selected one into view.
  const hit = shown.hits[current];
  useEffect(() => {
    if (layer === null) return;
    const matches = shown.byPage.get(pageNumber) ?? [];
    const selected = hit !== undefined && hit.page === pageNumber ? hit.index : null;
    const element = paintMatches(layer, matches, selected);
    const scroller = scrollRef.current;
    if (element === null || scroller === null) return;
    // Scroll only the page area (scrollIntoView would also scroll the dialog around it).
    const area = scroller.getBoundingClientRect();
    const box = element.getBoundingClientRect();
    const outside =
      box.top < area.top ||
      box.bottom > area.bottom ||
      box.left < area.left ||
      box.right > area.right;
    if (outside) {
      scroller.scrollBy({
        top: box.top - area.top - area.height / 2,
        left:
          box.left < area.left || box.right > area.right
            ? box.left - area.left - area.width / 2
            : 0,
      });
    }
  }, [layer, shown, hit, pageNumber]);

  const goTo = (number: number) => {
    if (pageCount === 0) return;
    const next = Math.min(Math.max(1, Math.round(number)), pageCount);
    setPageNumber(next);
    setPageDraft(null);
    scrollRef.current?.scrollTo({ top: 0 });
  };

  const stepZoom = (direction: 1 | -1) => {
    const steps = [...zoomSteps];
    const next =
      direction === 1
        ? (steps.find((step) => step > effectiveZoom + 0.01) ?? steps.at(-1)!)
        : (steps.reverse().find((step) => step < effectiveZoom - 0.01) ?? zoomSteps[0]);
    setZoom(next);
  };

  const moveHit = (direction: 1 | -1) => {
    const count = shown.hits.length;
    if (count === 0) return;
    const next = (current + direction + count) % count;
    setCurrent(next);
    const target = shown.hits[next];
    if (target !== undefined && target.page !== pageNumber) setPageNumber(target.page);
  };

  const applyPageDraft = () => {
    if (typeof pageDraft === 'number') goTo(pageDraft);
    else setPageDraft(null);
  };

  const onPageKeys = (event: KeyboardEvent<HTMLDivElement>) => {
    // Left and right turn pages unless a zoomed page needs them to scroll sideways.
    const element = event.currentTarget;
    const sideways = element.scrollWidth > element.clientWidth;
    switch (event.key) {
      case 'ArrowRight':
      case 'ArrowLeft':
        if (sideways) break;
        event.preventDefault();
        goTo(pageNumber + (event.key === 'ArrowRight' ? 1 : -1));
        break;
      case 'PageDown':
        event.preventDefault();
        goTo(pageNumber + 1);
        break;
      case 'PageUp':
        event.preventDefault();
        goTo(pageNumber - 1);
        break;
      case 'Home':
        event.preventDefault();
        goTo(1);
        break;
      case 'End':
        event.preventDefault();
        goTo(pageCount);
        break;
      case '+':
      case '=':
        event.preventDefault();
        stepZoom(1);
        break;
      case '-':
        event.preventDefault();
        stepZoom(-1);
        break;
      default:
    }
  };

  const onViewerKeys = (event: KeyboardEvent<HTMLDivElement>) => {
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'f') {
      event.preventDefault();
      searchRef.current?.focus();
      searchRef.current?.select();
    }
  };

  if (problem !== null) {
    return (
      <Alert color="yellow" variant="light" role="alert" title={t('records.pdf.cannotShowTitle')}>
        {t(`records.pdf.problem.${problem}`)}
      </Alert>
    );
  }

  const zoomValue = zoom === 'fit' ? 'fit' : String(zoom);
  const searchStatus =
    query.trim() === ''
      ? ''
      : searching
        ? t('records.pdf.searching')
        : shown.hits.length === 0
          ? t('records.pdf.noMatches')
          : t('records.pdf.matchCount', { current: current + 1, count: shown.hits.length });

  return (
    <Stack gap="xs" onKeyDown={onViewerKeys}>
      <Paper withBorder p="xs">
        <Group gap="xs" wrap="wrap" justify="space-between">
          <Group gap={4} wrap="nowrap">
            <Button
              size="compact-sm"
              variant="default"
              onClick={() => goTo(pageNumber - 1)}
              disabled={pageNumber <= 1}
            >
              {t('records.pdf.previousPage')}
            </Button>
            <NumberInput
              size="xs"
              w={70}
              min={1}
              max={Math.max(pageCount, 1)}
              value={pageDraft ?? pageNumber}
              onChange={setPageDraft}
              onBlur={applyPageDraft}
              onKeyDown={(event) => {
                if (event.key === 'Enter') applyPageDraft();
              }}
              hideControls
              aria-label={t('records.pdf.pageNumber')}
            />
            <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
              {t('records.pdf.ofPages', { count: pageCount })}
            </Text>
            <Button
              size="compact-sm"
              variant="default"
              onClick={() => goTo(pageNumber + 1)}
              disabled={pageNumber >= pageCount}
            >
              {t('records.pdf.nextPage')}
            </Button>
          </Group>
          <Group gap={4} wrap="nowrap">
            <ActionIcon
              variant="default"
              onClick={() => stepZoom(-1)}
              aria-label={t('records.viewer.zoomOut')}
            >
              −
            </ActionIcon>
            <Select
              size="xs"
              w={120}
              allowDeselect={false}
              aria-label={t('records.viewer.zoom')}
              value={zoomValue}
              onChange={(value) =>
                value !== null && setZoom(value === 'fit' ? 'fit' : Number(value))
              }
              data={[
                { value: 'fit', label: t('records.viewer.fitWidth') },
                ...zoomSteps.map((step) => ({
                  value: String(step),
                  label: t('records.viewer.percent', { percent: Math.round(step * 100) }),
                })),
                ...(zoom !== 'fit' && !zoomSteps.some((step) => step === zoom)
                  ? [
                      {
                        value: String(zoom),
                        label: t('records.viewer.percent', { percent: Math.round(zoom * 100) }),
                      },
                    ]
                  : []),
              ]}
            />
            <ActionIcon
              variant="default"
              onClick={() => stepZoom(1)}
              aria-label={t('records.viewer.zoomIn')}
            >
              +
            </ActionIcon>
          </Group>
          <Group gap={4} wrap="nowrap">
            <TextInput
              ref={searchRef}
              size="xs"
              w={180}
              type="search"
              placeholder={t('records.pdf.searchPlaceholder')}
              aria-label={t('records.pdf.search')}
              value={query}
              onChange={(event) => setQuery(event.currentTarget.value)}
              onKeyDown={(event) => {
                if (event.key === 'Enter') {
                  event.preventDefault();
                  moveHit(event.shiftKey ? -1 : 1);
                }
              }}
            />
            <Button
              size="compact-sm"
              variant="default"
              onClick={() => moveHit(-1)}
              disabled={shown.hits.length === 0}
            >
              {t('records.pdf.previousMatch')}
            </Button>
            <Button
              size="compact-sm"
              variant="default"
              onClick={() => moveHit(1)}
              disabled={shown.hits.length === 0}
            >
              {t('records.pdf.nextMatch')}
            </Button>
          </Group>
        </Group>
        {searchStatus !== '' && (
          <Text size="sm" mt={4} ta="right">
            {searchStatus}
          </Text>
        )}
        <VisuallyHidden role="status" aria-live="polite">
          {searchStatus}
        </VisuallyHidden>
      </Paper>
      <VisuallyHidden role="status" aria-live="polite">
        {pageCount > 0 ? t('records.pdf.pageStatus', { page: pageNumber, count: pageCount }) : ''}
      </VisuallyHidden>
      <div
        ref={scrollRef}
        id={regionId}
        className="pdf-scroll"
        tabIndex={0}
        role="region"
        aria-label={t('records.pdf.regionLabel', { title, page: pageNumber, count: pageCount })}
        aria-busy={drawn !== `${String(pageNumber)}|${String(zoom)}|${String(containerWidth)}`}
        onKeyDown={onPageKeys}
      >
        {pdf === null && (
          <Group gap="sm" p="md" role="status">
            <Loader size="sm" aria-hidden />
            <Text>{t('records.viewer.loading')}</Text>
          </Group>
        )}
        <div ref={pageRef} className="pdf-page" hidden={pdf === null}>
          <canvas ref={canvasRef} aria-hidden />
          <div ref={textRef} className="pdf-text-layer" />
        </div>
      </div>
      <Text size="xs" c="dimmed">
        {t('records.pdf.keyboardHint')}
      </Text>
    </Stack>
  );
}
