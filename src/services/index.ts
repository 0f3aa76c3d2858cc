// Builds every resource's service. Each generic resource without behaviour of its own is
// served by the plain ResourceService; those with behaviour get their subclass here.
import type { ServiceDeps, ServiceLookup } from './deps.ts';
import { ResourceService } from './resource-service.ts';
import { NetworkService } from './core/network-service.ts';
import { SubnetService } from './core/subnet-service.ts';
import { SubnetPoolService } from './core/subnetpool-service.ts';
import { PortService } from './core/port-service.ts';
import { RbacService } from './rbac/rbac-service.ts';
import { RouterService } from './l3/router-service.ts';
import { FloatingIpService } from './l3/floatingip-service.ts';
import { PortForwardingService } from './l3/port-forwarding-service.ts';
import { AddressScopeService } from './l3/address-scope-service.ts';
import { AutoAllocator } from './l3/auto-allocation.ts';
import { SecurityGroupService } from './securitygroups/security-group-service.ts';
import { SecurityGroupRuleService } from './securitygroups/rule-service.ts';
import { AddressGroupService } from './securitygroups/address-group-service.ts';
import { PortSecurityGroups } from './securitygroups/port-security-groups.ts';
import { DefaultRuleService } from './securitygroups/default-rule-service.ts';
import { MeteringLabelRuleService, MeteringLabelService } from './metering/metering-service.ts';
import { AgentService } from './agents/agent-service.ts';
import { AgentScheduling, DHCP_BINDINGS, L3_BINDINGS } from './agents/agent-scheduling.ts';

/** Services by collection name, plus typed accessors for those other services call. */
export class Services implements ServiceLookup {
  private readonly byCollection = new Map<string, ResourceService>();

  add<T extends ResourceService>(service: T): T {
    this.byCollection.set(service.resource.collection, service);
    return service;
  }

  get(collection: string): ResourceService | undefined {
    return this.byCollection.get(collection);
  }

  all(): ResourceService[] {
    return [...this.byCollection.values()];
  }

  networks!: NetworkService;
  subnets!: SubnetService;
  subnetpools!: SubnetPoolService;
  ports!: PortService;
  rbac!: RbacService;
  routers!: RouterService;
  floatingips!: FloatingIpService;
  portForwardings!: PortForwardingService;
  addressScopes!: AddressScopeService;
  autoAllocator!: AutoAllocator;
  securityGroups?: SecurityGroupService;
  agents?: AgentService;
  /** DHCP and L3 agent scheduling, where enabled. */
  agentScheduling: AgentScheduling[] = [];
}

export function createServices(app: ServiceDeps): Services {
  const services = new Services();
  services.networks = services.add(new NetworkService(app));
  services.subnets = services.add(new SubnetService(app));
  services.subnetpools = services.add(new SubnetPoolService(app));
  services.ports = services.add(new PortService(app));
  if (app.registry.resources.has('rbac_policies')) services.rbac = services.add(new RbacService(app));
  services.routers = services.add(new RouterService(app));
  services.floatingips = services.add(new FloatingIpService(app));
  services.portForwardings = services.add(new PortForwardingService(app));
  services.addressScopes = services.add(new AddressScopeService(app));
  services.autoAllocator = new AutoAllocator(app);
  if (app.registry.resources.has('security_groups')) {
    const groups = (services.securityGroups = services.add(new SecurityGroupService(app)));
    services.add(new SecurityGroupRuleService(app));
    new PortSecurityGroups(app, groups).register();
  }
  if (app.registry.resources.has('address_groups')) services.add(new AddressGroupService(app));
  if (app.registry.resources.has('default_security_group_rules')) services.add(new DefaultRuleService(app));
  if (app.registry.resources.has('metering_labels')) {
    services.add(new MeteringLabelService(app));
    services.add(new MeteringLabelRuleService(app));
  }
  if (app.registry.resources.has('agents')) services.agents = services.add(new AgentService(app));
  for (const kind of [DHCP_BINDINGS, L3_BINDINGS]) {
    if (app.registry.has(kind.alias)) services.agentScheduling.push(new AgentScheduling(app, kind));
  }
  // Every other defined resource gets the generic service.
  for (const collection of app.registry.resources.keys()) {
    if (!services.get(collection)) services.add(new ResourceService(app, collection));
  }
  return services;
}
