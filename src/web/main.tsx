/**
 * Entry point of the browser app: providers (theme, notifications, query cache, i18n) and the router.
 * Loaded as an external module script only — the server's CSP allows no inline script.
 */
import '@mantine/core/styles.css';
import '@mantine/notifications/styles.css';
import './app/app.css';
import './i18n/i18n.ts';
import { MantineProvider } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { QueryClientProvider } from '@tanstack/react-query';
import { RouterProvider } from '@tanstack/react-router';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { queryClient, router } from './app/router.tsx';
import { theme } from './app/theme.ts';

const container = document.getElementById('root');
if (container === null) throw new Error('The page has no #root element');

createRoot(container).render(
  <StrictMode>
    <MantineProvider theme={theme} defaultColorScheme="light">
      <Notifications position="top-right" />
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
);
