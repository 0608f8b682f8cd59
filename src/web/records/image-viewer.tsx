/**
 * The image viewer for photos and scans (JPEG, PNG; TIFF and HEIC where the browser can draw
 * them, Safari for instance): the image from a blob URL, fitted to the space or zoomed, with
 * buttons and keys (+, -, 0 to fit); the scroll area pans a zoomed image (arrow keys too).
 *
 * Only raster images reach an `<img>`: the bytes are checked to start like JPEG, PNG, TIFF or
 * HEIC, and the blob is given that media type, so nothing that could carry script (SVG, HTML) is
 * ever shown, whatever the file claimed to be. When the browser cannot draw it the person is
 * told to download the file instead.
 */
import { ActionIcon, Alert, Group, Select, Stack, Text } from '@mantine/core';
import { useEffect, useState, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import './records-viewers.css';

export type RasterFormat = 'jpeg' | 'png' | 'tiff' | 'heic';

const mediaTypes: Record<RasterFormat, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  tiff: 'image/tiff',
  heic: 'image/heic',
};

function startsWith(bytes: Uint8Array, signature: readonly number[], offset = 0): boolean {
  return signature.every((byte, index) => bytes[offset + index] === byte);
}

/** The raster format the bytes are (by their signature), or null. */
export function sniffRasterFormat(buffer: ArrayBuffer): RasterFormat | null {
  const bytes = new Uint8Array(buffer, 0, Math.min(buffer.byteLength, 16));
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a])) {
    return 'tiff';
  }
  // ISO base media file: 'ftyp' at offset 4, then a HEIF brand.
  if (startsWith(bytes, [0x66, 0x74, 0x79, 0x70], 4)) {
    const brand = String.fromCharCode(...bytes.slice(8, 12));
    if (['heic', 'heix', 'hevc', 'hevx', 'mif1', 'msf1'].includes(brand)) return 'heic';
  }
  return null;
}

const zoomSteps = [0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4] as const;

type Zoom = 'fit' | number;

export interface ImageViewerProps {
  data: ArrayBuffer;
  title: string;
}

export function ImageViewer({ data, title }: ImageViewerProps) {
  const { t } = useTranslation();
  const format = sniffRasterFormat(data);
  const [url, setUrl] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  const [zoom, setZoom] = useState<Zoom>('fit');
  const [natural, setNatural] = useState<{ width: number; height: number } | null>(null);

  useEffect(() => {
    if (format === null) return;
    const objectUrl = URL.createObjectURL(new Blob([data], { type: mediaTypes[format] }));
    // Published from a frame callback rather than during the effect; each run owns its URL and
    // revokes it on cleanup (new data, or the viewer closing).
    const frame = requestAnimationFrame(() => setUrl(objectUrl));
    return () => {
      cancelAnimationFrame(frame);
      URL.revokeObjectURL(objectUrl);
    };
  }, [data, format]);

  if (format === null || failed) {
    return (
      <Alert color="yellow" variant="light" role="alert" title={t('records.image.cannotShowTitle')}>
        {format === 'tiff' || format === 'heic'
          ? t('records.image.downloadToView', { format: format.toUpperCase() })
          : t('records.image.notAnImage')}
      </Alert>
    );
  }

  const step = (direction: 1 | -1) => {
    const currentZoom = zoom === 'fit' ? 1 : zoom;
    const next =
      direction === 1
        ? (zoomSteps.find((value) => value > currentZoom + 0.01) ?? zoomSteps.at(-1)!)
        : ([...zoomSteps].reverse().find((value) => value < currentZoom - 0.01) ?? zoomSteps[0]);
    setZoom(next);
  };

  const onKeys = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key === '+' || event.key === '=') step(1);
    else if (event.key === '-') step(-1);
    else if (event.key === '0') setZoom('fit');
    else return;
    event.preventDefault();
  };

  const size =
    zoom === 'fit' || natural === null
      ? { maxWidth: '100%', maxHeight: 'max(220px, calc(100dvh - 300px))' }
      : { width: natural.width * zoom, height: natural.height * zoom, maxWidth: 'none' };

  return (
    <Stack gap="xs">
      <Group gap={4}>
        <ActionIcon
          variant="default"
          onClick={() => step(-1)}
          aria-label={t('records.viewer.zoomOut')}
        >
          −
        </ActionIcon>
        <Select
          size="xs"
          w={130}
          allowDeselect={false}
          aria-label={t('records.viewer.zoom')}
          value={zoom === 'fit' ? 'fit' : String(zoom)}
          onChange={(value) => value !== null && setZoom(value === 'fit' ? 'fit' : Number(value))}
          data={[
            { value: 'fit', label: t('records.viewer.fit') },
            ...zoomSteps.map((value) => ({
              value: String(value),
              label: t('records.viewer.percent', { percent: Math.round(value * 100) }),
            })),
          ]}
        />
        <ActionIcon
          variant="default"
          onClick={() => step(1)}
          aria-label={t('records.viewer.zoomIn')}
        >
          +
        </ActionIcon>
        {natural !== null && (
          <Text size="sm" c="dimmed">
            {t('records.image.pixels', { width: natural.width, height: natural.height })}
          </Text>
        )}
      </Group>
      <div
        className="image-scroll"
        tabIndex={0}
        role="region"
        aria-label={t('records.image.regionLabel', { title })}
        onKeyDown={onKeys}
      >
        {url !== null && (
          <img
            src={url}
            alt={title}
            style={size}
            draggable={false}
            onLoad={(event) =>
              setNatural({
                width: event.currentTarget.naturalWidth,
                height: event.currentTarget.naturalHeight,
              })
            }
            onError={() => setFailed(true)}
          />
        )}
      </div>
      <Text size="xs" c="dimmed">
        {t('records.image.keyboardHint')}
      </Text>
    </Stack>
  );
}
