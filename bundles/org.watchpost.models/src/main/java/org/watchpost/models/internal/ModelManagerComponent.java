// SPDX-License-Identifier: Apache-2.0
package org.watchpost.models.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.watchpost.api.detect.ModelSwitch;
import org.watchpost.api.health.MetricsProvider;
import org.watchpost.api.host.HostFramework;
import org.watchpost.api.remote.RemoteChannel;
import org.watchpost.api.remote.Request;
import org.watchpost.api.remote.RequestHandler;
import org.watchpost.api.remote.Response;
import org.watchpost.models.protocol.ModelProtocol;

/**
 * The device's model manager: answers MODEL-V1 through the uplink and reports the model state to
 * device health. Immediate, so that at start it puts the model the pointer file names back in place
 * without waiting for a request; the uplink is optional (a device without one still recovers its
 * model).
 */
@Component(
    service = {RequestHandler.class, MetricsProvider.class},
    immediate = true,
    configurationPid = ModelsConfig.PID)
@Designate(ocd = ModelsConfig.class)
public final class ModelManagerComponent implements RequestHandler, MetricsProvider {
  private final ModelManager manager;
  private volatile RemoteChannel channel;

  @Activate
  public ModelManagerComponent(
      ModelsConfig config,
      BundleContext context,
      @Reference(name = "modelSwitch") ModelSwitch modelSwitch) {
    this(config, context.getProperty(HostFramework.KURA_DATA), modelSwitch);
  }

  /** Outside any framework (the fleet simulator's devices, tests): paths as configured. */
  public ModelManagerComponent(ModelsConfig config, ModelSwitch modelSwitch) {
    this(config, (String) null, modelSwitch);
  }

  private ModelManagerComponent(ModelsConfig config, String kuraData, ModelSwitch modelSwitch) {
    this.manager =
        new ModelManager(ModelsSettings.from(config, kuraData), modelSwitch, () -> channel);
    manager.start();
  }

  @Reference(
      cardinality = ReferenceCardinality.OPTIONAL,
      policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  public void bindChannel(RemoteChannel c) {
    channel = c;
  }

  public void unbindChannel(RemoteChannel c) {
    if (channel == c) {
      channel = null;
    }
  }

  @Override
  public String appId() {
    return ModelProtocol.APP_ID;
  }

  @Override
  public Response handle(Request request) {
    return manager.handle(request);
  }

  @Override
  public void linkUp() {
    manager.linkUp();
  }

  @Override
  public Map<String, Object> metrics() {
    Map<String, Object> m = new LinkedHashMap<>();
    manager.snapshot().forEach((k, v) -> m.put("model_" + k.replace('.', '_'), v));
    return m;
  }

  ModelManager manager() {
    return manager;
  }

  @Deactivate
  void deactivate() {
    manager.close();
  }
}
