/**
 * The DICOM viewer (PRODUCT.md capability 2, "scroll slices, window/level, measure"), built on
 * dwv: one series at a time, its instances given in order (or fetched by a loader with progress).
 *
 * - slices: mouse wheel, slider, ArrowUp/ArrowDown, PageUp/PageDown (10 at a time), Home/End;
 * - window/level: presets (CT: soft tissue, lung, bone, brain; for any image its own stored
 *   window and the full range) and dragging with the window/level tool;
 * - zoom and pan: buttons and keys (+, -, 0 to reset), Ctrl + wheel, dragging with the pan tool;
 * - distance: the ruler tool, in millimetres from the image's pixel spacing (PS3.3 C.7.6.2
 *   Pixel Spacing); an image without one measures in pixels and says so.
 *
 * The corner overlay shows modality, series description, slice n/N and the window. dwv's own
 * global keyboard shortcuts are switched off; keys act only while the image has focus. On unmount
 * loading is aborted and dwv's stage emptied. A file that cannot be decoded (an unsupported
 * compression, a report with no pixels) gives a clear message instead of a blank box.
 */
import { Alert, Button, Group, Progress, Select, Slider, Stack, Text } from '@mantine/core';
import {
  App,
  AppOptions,
  Index,
  Point2D,
  ToolConfig,
  ViewConfig,
  WindowLevel,
  type ViewController,
} from 'dwv';
import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import './records-viewers.css';

/** Fetches a series' instances in order; reports bytes or files loaded out of the total. */
export type DicomInstanceLoader = (
  signal: AbortSignal,
  onProgress: (loaded: number, total: number) => void,
) => Promise<ArrayBuffer[]>;

export interface DicomViewerProps {
  /** The series' instances in instance-number order, or a loader for them. */
  source: ArrayBuffer[] | DicomInstanceLoader;
  /** What the case's document list says about the series (the file's own values fill gaps). */
  modality?: string | null;
  seriesDescription?: string | null;
  /** The document's or series' name, for labels. */
  title: string;
}

type Tool = 'WindowLevel' | 'ZoomAndPan' | 'Ruler';

/**
 * Window presets in Hounsfield units (centre, width), as commonly used for CT reading
 * (soft tissue 40/400, lung −600/1500, bone 400/1800, brain 40/80).
 */
const ctPresets = {
  softTissue: { center: 40, width: 400 },
  lung: { center: -600, width: 1500 },
  bone: { center: 400, width: 1800 },
  brain: { center: 40, width: 80 },
} as const;

type CtPreset = keyof typeof ctPresets;
type PresetChoice = 'file' | 'fullRange' | CtPreset | 'custom';

type Phase =
  | { name: 'fetching'; loaded: number; total: number }
  | { name: 'decoding'; percent: number }
  | { name: 'ready' }
  | { name: 'error'; reason: 'fetch' | 'decode' };

interface ViewState {
  slice: number;
  sliceCount: number;
  center: number | null;
  width: number | null;
  zoom: number;
  modality: string;
  measuresInMm: boolean;
  canWindow: boolean;
  filePresetName: string | null;
}

const initialView: ViewState = {
  slice: 0,
  sliceCount: 1,
  center: null,
  width: null,
  zoom: 1,
  modality: '',
  measuresInMm: true,
  canWindow: true,
  filePresetName: null,
};

let viewerCount = 0;

/** dwv events carry loosely typed fields; these read them safely. */
function numberField(event: unknown, name: string): number | undefined {
  if (typeof event !== 'object' || event === null || !(name in event)) return undefined;
  const value = (event as Record<string, unknown>)[name];
  return typeof value === 'number' ? value : undefined;
}

function viewControllerOf(app: App): ViewController | undefined {
  return app.getActiveLayerGroup()?.getBaseViewLayer()?.getViewController();
}

/**
 * Resolves once `element` is laid out with a width and a height: a dialog still opening, or a
 * subtree React keeps hidden while something above it loads, has none yet.
 */
function containerSized(element: HTMLElement, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const sized = () => {
      const { width, height } = element.getBoundingClientRect();
      return width > 0 && height > 0;
    };
    if (signal.aborted || sized()) {
      resolve();
      return;
    }
    const observer = new ResizeObserver(() => {
      if (!sized()) return;
      observer.disconnect();
      resolve();
    });
    observer.observe(element);
    signal.addEventListener('abort', () => {
      observer.disconnect();
      resolve();
    });
  });
}

/** Reads slice, window, zoom and units from dwv after a change. */
function readView(app: App, previous: ViewState): ViewState {
  const controller = viewControllerOf(app);
  if (controller === undefined) return previous;
  const scrollDim = controller.getScrollDimIndex();
  const sliceCount = controller.canScroll() ? controller.getImageSize().get(scrollDim) : 1;
  const slice = controller.getCurrentIndex().get(scrollDim) ?? 0;
  const canWindow = controller.isMonochrome();
  const wl = canWindow ? controller.getWindowLevel() : null;
  const presets = controller.getWindowLevelPresetsNames();
  const first = presets[0];
  return {
    slice,
    sliceCount: Math.max(sliceCount, 1),
    center: wl?.center ?? null,
    width: wl?.width ?? null,
    zoom: app.getAddedScale().x,
    modality: controller.getModality(),
    measuresInMm: controller.getLengthUnit() === 'unit.mm',
    canWindow,
    filePresetName: first !== undefined && first !== 'minmax' ? first : null,
  };
}

function setSlice(app: App, slice: number): void {
  const controller = viewControllerOf(app);
  if (controller === undefined) return;
  const scrollDim = controller.getScrollDimIndex();
  const count = controller.canScroll() ? controller.getImageSize().get(scrollDim) : 1;
  const values = controller.getCurrentIndex().getValues();
  values[scrollDim] = Math.min(Math.max(0, Math.round(slice)), count - 1);
  controller.setCurrentIndex(new Index(values));
}

function zoomAtCentre(app: App, container: HTMLElement, step: number): void {
  const group = app.getActiveLayerGroup();
  const layer = group?.getBaseViewLayer();
  if (group === undefined || layer === undefined) return;
  const planePoint = layer.displayToMainPlanePos(
    new Point2D(container.clientWidth / 2, container.clientHeight / 2),
  );
  group.addScale(step, layer.getViewController().getPlanePositionFromPlanePoint(planePoint));
  group.draw();
}

export function DicomViewer({ source, modality, seriesDescription, title }: DicomViewerProps) {
  const { t } = useTranslation();
  const hintId = useId();
  const viewportRef = useRef<HTMLDivElement>(null);
  const appRef = useRef<App | null>(null);
  const [groupId] = useState(() => {
    viewerCount += 1;
    return `dicomview${String(viewerCount)}`;
  });
  const [phase, setPhase] = useState<Phase>({ name: 'fetching', loaded: 0, total: 0 });
  const [view, setView] = useState<ViewState>(initialView);
  const [tool, setTool] = useState<Tool>('WindowLevel');
  const [preset, setPreset] = useState<PresetChoice>('file');
  /** A pointer is pressed on the image: a window change now is the person dragging. */
  const pointerDown = useRef(false);

  useEffect(() => {
    const container = viewportRef.current;
    if (container === null) return;
    const aborter = new AbortController();
    const app = new App();
    const options = new AppOptions({ '*': [new ViewConfig(groupId)] });
    options.tools = {
      WindowLevel: new ToolConfig(),
      ZoomAndPan: new ToolConfig(),
      Draw: new ToolConfig(['Ruler']),
    };
    app.init(options);
    // dwv listens for keys on the whole window by default; here keys belong to the focused image.
    app.getToolboxController().enableShortcuts(false);
    appRef.current = app;

    const refresh = () => setView((previous) => readView(app, previous));
    const onWindowChange = () => {
      refresh();
      // Dragging with the window/level tool leaves the presets behind.
      if (pointerDown.current) setPreset('custom');
    };
    const onProgress = (event: unknown) => {
      const loaded = numberField(event, 'loaded') ?? 0;
      const total = numberField(event, 'total') ?? 100;
      setPhase({ name: 'decoding', percent: total > 0 ? Math.round((loaded / total) * 100) : 0 });
    };
    let failed = false;
    const onError = () => {
      failed = true;
      setPhase({ name: 'error', reason: 'decode' });
    };
    const onLoad = () => {
      if (failed) return;
      app.setTool('WindowLevel');
      refresh();
      setPhase({ name: 'ready' });
    };
    const onLoadEnd = () => {
      if (!failed && viewControllerOf(app) === undefined) onError();
    };
    app.addEventListener('loadprogress', onProgress);
    app.addEventListener('load', onLoad);
    app.addEventListener('loadend', onLoadEnd);
    app.addEventListener('error', onError);
    app.addEventListener('positionchange', refresh);
    app.addEventListener('zoomchange', refresh);
    app.addEventListener('wlchange', onWindowChange);

    const resize = new ResizeObserver(() => {
      // A hidden container (zero-sized) cannot be fitted; the next resize after it shows will.
      const { width, height } = container.getBoundingClientRect();
      if (width > 0 && height > 0 && viewControllerOf(app) !== undefined) app.onResize();
    });
    resize.observe(container);

    // The mouse wheel moves through slices (Ctrl + wheel zooms) whatever tool is chosen; it is
    // caught before dwv's tools see it.
    let wheelSum = 0;
    const onWheel = (event: WheelEvent) => {
      event.preventDefault();
      event.stopPropagation();
      const delta =
        event.deltaMode === WheelEvent.DOM_DELTA_LINE ? event.deltaY * 40 : event.deltaY;
      if (event.ctrlKey || event.metaKey) {
        zoomAtCentre(app, container, -delta / 500);
        return;
      }
      wheelSum += delta;
      if (Math.abs(wheelSum) < 50) return;
      const controller = viewControllerOf(app);
      if (controller === undefined) return;
      const current = controller.getCurrentIndex().get(controller.getScrollDimIndex()) ?? 0;
      setSlice(app, current + Math.sign(wheelSum));
      wheelSum = 0;
    };
    container.addEventListener('wheel', onWheel, { capture: true, passive: false });

    const start = async () => {
      let buffers: ArrayBuffer[];
      if (Array.isArray(source)) {
        // dwv may hand pixel data to decoding workers; keep the caller's buffers intact.
        buffers = source.map((buffer) => buffer.slice(0));
      } else {
        try {
          buffers = await source(aborter.signal, (loaded, total) =>
            setPhase({ name: 'fetching', loaded, total }),
          );
        } catch {
          if (!aborter.signal.aborted) setPhase({ name: 'error', reason: 'fetch' });
          return;
        }
      }
      if (aborter.signal.aborted) return;
      if (buffers.length === 0) {
        onError();
        return;
      }
      setPhase({ name: 'decoding', percent: 0 });
      // The viewer fits the image to its container: wait until the container has its size (a
      // dialog still opening, a layout not yet settled).
      await containerSized(container, aborter.signal);
      if (aborter.signal.aborted) return;
      try {
        app.loadImageObject(
          buffers.map((data, index) => ({
            name: `instance-${String(index + 1)}.dcm`,
            filename: `instance-${String(index + 1)}.dcm`,
            data,
          })),
        );
      } catch {
        onError();
      }
    };
    void start();

    return () => {
      aborter.abort();
      container.removeEventListener('wheel', onWheel, { capture: true });
      resize.disconnect();
      app.removeEventListener('loadprogress', onProgress);
      app.removeEventListener('load', onLoad);
      app.removeEventListener('loadend', onLoadEnd);
      app.removeEventListener('error', onError);
      app.removeEventListener('positionchange', refresh);
      app.removeEventListener('zoomchange', refresh);
      app.removeEventListener('wlchange', onWindowChange);
      app.abortAllLoads();
      app.reset();
      appRef.current = null;
      const target = document.getElementById(groupId);
      target?.replaceChildren();
    };
  }, [source, groupId]);

  const ready = phase.name === 'ready';
  const shownModality = (view.modality !== '' ? view.modality : modality) ?? '';
  const isCt = shownModality.toUpperCase() === 'CT';

  const chooseTool = (next: Tool) => {
    const app = appRef.current;
    if (app === null) return;
    setTool(next);
    if (next === 'Ruler') {
      app.setTool('Draw');
      app.setToolFeatures({ shapeName: 'Ruler' });
    } else {
      app.setTool(next);
    }
  };

  const choosePreset = (next: PresetChoice) => {
    const app = appRef.current;
    const controller = app === null ? undefined : viewControllerOf(app);
    if (controller === undefined) return;
    setPreset(next);
    switch (next) {
      case 'file':
        controller.setWindowLevelPresetById(0);
        break;
      case 'fullRange':
        controller.setWindowLevelPreset('minmax');
        break;
      case 'custom':
        break;
      case 'softTissue':
      case 'lung':
      case 'bone':
      case 'brain': {
        const { center, width } = ctPresets[next];
        controller.setWindowLevel(new WindowLevel(center, width));
        break;
      }
    }
  };

  const zoomBy = (step: number) => {
    const app = appRef.current;
    const container = viewportRef.current;
    if (app !== null && container !== null) zoomAtCentre(app, container, step);
  };

  const onKeys = (event: KeyboardEvent<HTMLDivElement>) => {
    const app = appRef.current;
    if (!ready || app === null) return;
    const handled = (() => {
      switch (event.key) {
        case 'ArrowUp':
          setSlice(app, view.slice + 1);
          return true;
        case 'ArrowDown':
          setSlice(app, view.slice - 1);
          return true;
        case 'PageUp':
          setSlice(app, view.slice + 10);
          return true;
        case 'PageDown':
          setSlice(app, view.slice - 10);
          return true;
        case 'Home':
          setSlice(app, 0);
          return true;
        case 'End':
          setSlice(app, view.sliceCount - 1);
          return true;
        case '+':
        case '=':
          zoomBy(0.2);
          return true;
        case '-':
          zoomBy(-0.2);
          return true;
        case '0':
          app.resetZoomPan();
          return true;
        case 'w':
        case 'W':
          chooseTool('WindowLevel');
          return true;
        case 'p':
        case 'P':
          chooseTool('ZoomAndPan');
          return true;
        case 'm':
        case 'M':
          chooseTool('Ruler');
          return true;
        default:
          return false;
      }
    })();
    if (handled) event.preventDefault();
  };

  const presetOptions = [
    ...(view.filePresetName !== null
      ? [{ value: 'file', label: t('records.dicom.presets.file') }]
      : []),
    { value: 'fullRange', label: t('records.dicom.presets.fullRange') },
    ...(isCt
      ? (Object.keys(ctPresets) as CtPreset[]).map((key) => ({
          value: key,
          label: t(`records.dicom.presets.${key}`, {
            center: ctPresets[key].center,
            width: ctPresets[key].width,
          }),
        }))
      : []),
    ...(preset === 'custom' ? [{ value: 'custom', label: t('records.dicom.presets.custom') }] : []),
  ];
  const shownPreset = preset === 'file' && view.filePresetName === null ? 'fullRange' : preset;

  const sliceText = t('records.dicom.slice', { slice: view.slice + 1, count: view.sliceCount });
  const description = seriesDescription ?? '';

  return (
    <Stack gap="xs">
      {phase.name !== 'error' && (
        <Group gap="xs" wrap="wrap" justify="space-between">
          <Group gap={4} role="group" aria-label={t('records.dicom.tools')}>
            {(
              [
                ['WindowLevel', t('records.dicom.tool.windowLevel')],
                ['ZoomAndPan', t('records.dicom.tool.pan')],
                ['Ruler', t('records.dicom.tool.ruler')],
              ] as const
            ).map(([value, label]) => (
              <Button
                key={value}
                size="compact-sm"
                variant={tool === value ? 'filled' : 'default'}
                aria-pressed={tool === value}
                disabled={!ready || (value === 'WindowLevel' && !view.canWindow)}
                onClick={() => chooseTool(value)}
              >
                {label}
              </Button>
            ))}
          </Group>
          <Group gap={4}>
            <Button
              size="compact-sm"
              variant="default"
              disabled={!ready}
              onClick={() => zoomBy(-0.2)}
            >
              {t('records.viewer.zoomOut')}
            </Button>
            <Button
              size="compact-sm"
              variant="default"
              disabled={!ready}
              onClick={() => zoomBy(0.2)}
            >
              {t('records.viewer.zoomIn')}
            </Button>
            <Button
              size="compact-sm"
              variant="default"
              disabled={!ready}
              onClick={() => appRef.current?.resetZoomPan()}
            >
              {t('records.dicom.resetView')}
            </Button>
            <Button
              size="compact-sm"
              variant="default"
              disabled={!ready || tool !== 'Ruler'}
              onClick={() => appRef.current?.undo()}
            >
              {t('records.dicom.undoMeasure')}
            </Button>
          </Group>
          {view.canWindow && (
            <Select
              size="xs"
              w={220}
              allowDeselect={false}
              disabled={!ready}
              label={t('records.dicom.window')}
              value={shownPreset}
              data={presetOptions}
              onChange={(value) => value !== null && choosePreset(value as PresetChoice)}
            />
          )}
        </Group>
      )}

      <div
        ref={viewportRef}
        className="dicom-viewport"
        tabIndex={0}
        role="application"
        aria-roledescription={t('records.dicom.roleDescription')}
        aria-label={t('records.dicom.viewportLabel', {
          title,
          modality: shownModality,
          slice: view.slice + 1,
          count: view.sliceCount,
        })}
        aria-describedby={hintId}
        aria-busy={phase.name !== 'ready' && phase.name !== 'error'}
        hidden={phase.name === 'error'}
        onKeyDown={onKeys}
        onPointerDownCapture={() => {
          pointerDown.current = true;
        }}
        onPointerUpCapture={() => {
          pointerDown.current = false;
        }}
        onPointerCancelCapture={() => {
          pointerDown.current = false;
        }}
      >
        <div id={groupId} className="dicom-layer-group" />
        {ready && (
          <>
            <div className="dicom-overlay" style={{ top: 0, left: 0 }} aria-hidden>
              <div>{[shownModality, description].filter((part) => part !== '').join(' · ')}</div>
              <div>{sliceText}</div>
            </div>
            <div
              className="dicom-overlay"
              style={{ bottom: 0, right: 0, textAlign: 'right' }}
              aria-hidden
            >
              {view.center !== null && view.width !== null && (
                <div>
                  {t('records.dicom.windowValues', {
                    center: Math.round(view.center),
                    width: Math.round(view.width),
                  })}
                </div>
              )}
              <div>{t('records.viewer.percent', { percent: Math.round(view.zoom * 100) })}</div>
            </div>
          </>
        )}
      </div>

      {phase.name === 'fetching' && (
        <Stack gap={4} role="status">
          <Text size="sm">
            {phase.total > 0
              ? t('records.dicom.fetching', { loaded: phase.loaded, count: phase.total })
              : t('records.viewer.loading')}
          </Text>
          <Progress
            value={phase.total > 0 ? Math.round((phase.loaded / phase.total) * 100) : 0}
            aria-label={t('records.dicom.fetchProgress')}
          />
        </Stack>
      )}
      {phase.name === 'decoding' && (
        <Stack gap={4} role="status">
          <Text size="sm">{t('records.dicom.decoding')}</Text>
          <Progress value={phase.percent} aria-label={t('records.dicom.decodeProgress')} />
        </Stack>
      )}
      {phase.name === 'error' && (
        <Alert
          color="yellow"
          variant="light"
          role="alert"
          title={t('records.dicom.cannotShowTitle')}
        >
          {phase.reason === 'fetch'
            ? t('records.dicom.fetchFailed')
            : t('records.dicom.decodeFailed')}
        </Alert>
      )}

      {ready && view.sliceCount > 1 && (
        <Slider
          min={1}
          max={view.sliceCount}
          step={1}
          value={view.slice + 1}
          onChange={(value) => {
            if (appRef.current !== null) setSlice(appRef.current, value - 1);
          }}
          label={null}
          thumbLabel={t('records.dicom.sliceSlider')}
          thumbValueText={(value) =>
            t('records.dicom.slice', { slice: value, count: view.sliceCount })
          }
        />
      )}
      {ready && (
        <Group gap="md" wrap="wrap">
          <Text size="sm">{sliceText}</Text>
          {tool === 'Ruler' && (
            <Text size="sm" c={view.measuresInMm ? undefined : 'orange.9'}>
              {view.measuresInMm ? t('records.dicom.rulerHint') : t('records.dicom.rulerPixels')}
            </Text>
          )}
        </Group>
      )}
      <Text size="xs" c="dimmed" id={hintId} display={phase.name === 'error' ? 'none' : undefined}>
        {t('records.dicom.keyboardHint')}
      </Text>
    </Stack>
  );
}
