/**
 * The wizard's list of steps: an ordered list of buttons, the current one marked with
 * aria-current="step", finished ones with a check (and the word "done" for screen readers). On a
 * phone only the numbers show; each button's accessible name always carries the step's title.
 */
import { Box, Text, UnstyledButton } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { intakeSteps, type IntakeStep } from './intake-form.ts';

export function IntakeStepNav({
  current,
  completed,
  onSelect,
  disabled,
}: {
  current: number;
  completed: ReadonlySet<IntakeStep>;
  onSelect: (index: number) => void;
  disabled: boolean;
}) {
  const { t } = useTranslation();
  return (
    <nav aria-label={t('cases.intake.stepsLabel')}>
      <Box
        component="ol"
        m={0}
        p={0}
        style={{
          listStyle: 'none',
          display: 'flex',
          flexWrap: 'wrap',
          gap: 'var(--mantine-spacing-xs)',
        }}
      >
        {intakeSteps.map((step, index) => {
          const active = index === current;
          const done = completed.has(step);
          const title = t(`cases.steps.${step}.title`);
          const name = [
            t('cases.intake.stepNumber', { number: index + 1, title }),
            done ? t('cases.intake.stepDone') : null,
          ]
            .filter((part) => part !== null)
            .join(', ');
          return (
            <li key={step}>
              <UnstyledButton
                aria-current={active ? 'step' : undefined}
                aria-label={name}
                disabled={disabled}
                onClick={() => {
                  if (!active) onSelect(index);
                }}
                style={{
                  display: 'flex',
                  alignItems: 'center',
                  gap: 6,
                  padding: '4px 8px 4px 4px',
                  borderRadius: 999,
                  border: `2px solid ${active ? 'var(--mantine-color-blue-8)' : 'var(--mantine-color-gray-4)'}`,
                  background: active ? 'var(--mantine-color-blue-0)' : 'transparent',
                  minHeight: 36,
                }}
              >
                <Box
                  component="span"
                  aria-hidden
                  style={{
                    display: 'inline-flex',
                    alignItems: 'center',
                    justifyContent: 'center',
                    width: 26,
                    height: 26,
                    borderRadius: '50%',
                    fontWeight: 700,
                    fontSize: 14,
                    color: done || active ? 'white' : 'var(--mantine-color-gray-8)',
                    background: done
                      ? 'var(--mantine-color-green-8)'
                      : active
                        ? 'var(--mantine-color-blue-8)'
                        : 'var(--mantine-color-gray-2)',
                  }}
                >
                  {done && !active ? '✓' : index + 1}
                </Box>
                <Text span size="sm" fw={active ? 700 : 500} visibleFrom="md" aria-hidden>
                  {t(`cases.shortSteps.${step}`)}
                </Text>
              </UnstyledButton>
            </li>
          );
        })}
      </Box>
    </nav>
  );
}
