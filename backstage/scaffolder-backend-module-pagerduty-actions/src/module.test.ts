import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { findActionsExtensionPoint } from './extensionPoint';
import { loadBundledManifest } from './manifest';
import { scaffolderModulePagerDutyActions } from './module';
import { deadUrl } from './__testUtils__/fakes';

const scaffolderActionsExtensionPoint = findActionsExtensionPoint();

describe('the backend module', () => {
  it("adds the actions to the scaffolder's extension point, with their JSON Schemas", async () => {
    const addActions = jest.fn();
    const backend = await startTestBackend({
      extensionPoints: [[scaffolderActionsExtensionPoint, { addActions }]],
      features: [
        scaffolderModulePagerDutyActions,
        mockServices.rootConfig.factory({
          data: { pagerdutyActions: { baseUrl: await deadUrl(), startupTimeoutSeconds: 1 } },
        }),
      ],
    });
    try {
      const added = addActions.mock.calls.flat();
      const bundled = loadBundledManifest().actions;
      expect(added.map(a => a.id)).toEqual(bundled.map(a => a.id));
      const create = added.find(a => a.id === 'pagerduty:service:create');
      const ours = bundled.find(a => a.id === 'pagerduty:service:create');
      expect(create.schema.input).toEqual(ours?.schema?.input);
      expect(create.supportsDryRun).toBe(true);
    } finally {
      await backend.stop();
    }
  });

  it('stops the backend with a clear error when baseUrl is missing', async () => {
    await expect(
      startTestBackend({
        extensionPoints: [[scaffolderActionsExtensionPoint, { addActions: jest.fn() }]],
        features: [scaffolderModulePagerDutyActions, mockServices.rootConfig.factory({ data: {} })],
      }),
    ).rejects.toThrow(/pagerdutyActions\.baseUrl is missing from app-config/);
  });
});

describe('the actions extension point', () => {
  const point = { id: 'scaffolder.actions' };

  it('is taken from the main entry point (scaffolder-node 0.12 on), else /alpha (0.11)', () => {
    expect(findActionsExtensionPoint({ scaffolderActionsExtensionPoint: point }, {})).toBe(point);
    expect(findActionsExtensionPoint({}, { scaffolderActionsExtensionPoint: point })).toBe(point);
    expect(findActionsExtensionPoint().id).toBe('scaffolder.actions');
  });

  it('missing from both says which package and what to do', () => {
    expect(() => findActionsExtensionPoint({}, {})).toThrow(
      /@backstage\/plugin-scaffolder-node exports no scaffolderActionsExtensionPoint.*supports/,
    );
  });
});
